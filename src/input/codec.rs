//! Compressed inputs: gzip and zstd, told apart by their magic bytes and
//! decoded as streams.

use std::io::{self, BufRead, Read};

/// A compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// gzip, one or more members.
    Gzip,
    /// zstd, one or more frames.
    Zstd,
}

impl Codec {
    /// The codec whose magic bytes start `head`, if any.
    pub fn sniff(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Some(Codec::Zstd)
        } else {
            None
        }
    }

    /// The name used in messages.
    pub fn name(self) -> &'static str {
        match self {
            Codec::Gzip => "gzip",
            Codec::Zstd => "zstd",
        }
    }

    /// A reader of the decoded bytes of `stream`.
    pub fn decoder<'r, R: BufRead + Send + 'r>(
        self,
        stream: R,
    ) -> io::Result<Box<dyn Read + Send + 'r>> {
        Ok(match self {
            Codec::Gzip => {
                Box::new(flate2::bufread::MultiGzDecoder::new(stream))
            }
            Codec::Zstd => Box::new(
                zstd::stream::read::Decoder::with_buffer(stream).map_err(
                    |e| io::Error::new(e.kind(), format!("zstd: {e}")),
                )?,
            ),
        })
    }
}
