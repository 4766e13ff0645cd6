//! Compressed inputs: gzip and zstd, told apart by their magic bytes and
//! decoded as streams, member by member (frame by frame), so that bytes
//! after the last member are reported as what they are (spec §10) rather
//! than as damage.

use std::io::{self, BufRead, Read};

/// A compression format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Codec {
    /// gzip, one or more members.
    Gzip,
    /// zstd, one or more frames (skippable frames included).
    Zstd,
}

/// The first byte of the zstd skippable frame magic numbers
/// `0x184D2A50..=0x184D2A5F` (little-endian), as `pzstd` writes them.
fn zstd_skippable(head: &[u8]) -> bool {
    head.len() >= 4
        && head[0] & 0xF0 == 0x50
        && head[1..4] == [0x2A, 0x4D, 0x18]
}

/// The marker that starts the message of bytes found after the last
/// member or frame (see [`Codec::describe`]).
const TRAILING: &str = "trailing bytes: ";

impl Codec {
    /// The codec whose magic bytes start `head`, if any.
    pub fn sniff(head: &[u8]) -> Option<Codec> {
        if head.starts_with(&[0x1f, 0x8b]) {
            Some(Codec::Gzip)
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
            || zstd_skippable(head)
        {
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

    /// The message for an error met while reading the decoded bytes.
    pub fn describe(self, message: &str) -> String {
        let name = self.name();
        match message.split_once(TRAILING) {
            Some((_, rest)) => format!("{name}: {rest}"),
            None => format!(
                "{name} data is corrupt or cut short ({message}); records \
                 before the damage are counted"
            ),
        }
    }

    /// A reader of the decoded bytes of `stream`.
    pub fn decoder<'r, R: BufRead + Send + 'r>(
        self,
        stream: R,
    ) -> io::Result<Box<dyn Read + Send + 'r>> {
        let state =
            Members::start(self, Ahead { ahead: Vec::new(), inner: stream })?;
        Ok(Box::new(Decoded { codec: self, state, members: 0 }))
    }
}

/// One member being decoded, or the stream between members.
enum Members<R: BufRead> {
    Gzip(Box<flate2::bufread::GzDecoder<R>>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
    Done,
}

impl<R: BufRead> Members<R> {
    fn start(codec: Codec, stream: R) -> io::Result<Members<R>> {
        Ok(match codec {
            Codec::Gzip => Members::Gzip(Box::new(
                flate2::bufread::GzDecoder::new(stream),
            )),
            Codec::Zstd => Members::Zstd(
                zstd::stream::read::Decoder::with_buffer(stream)
                    .map_err(|e| {
                        io::Error::new(e.kind(), format!("zstd: {e}"))
                    })?
                    .single_frame(),
            ),
        })
    }
}

/// A buffered stream with a few bytes put back ahead of it.
struct Ahead<R> {
    ahead: Vec<u8>,
    inner: R,
}

/// `Read::read` for a reader whose `BufRead` side does the work: copy
/// from its buffer.
pub fn read_buffered(
    r: &mut impl BufRead,
    buf: &mut [u8],
) -> io::Result<usize> {
    let n = {
        let have = r.fill_buf()?;
        let n = have.len().min(buf.len());
        buf[..n].copy_from_slice(&have[..n]);
        n
    };
    r.consume(n);
    Ok(n)
}

impl<R: BufRead> Read for Ahead<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, buf)
    }
}

impl<R: BufRead> BufRead for Ahead<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        if self.ahead.is_empty() {
            self.inner.fill_buf()
        } else {
            Ok(&self.ahead)
        }
    }

    fn consume(&mut self, n: usize) {
        if self.ahead.is_empty() {
            self.inner.consume(n);
        } else {
            self.ahead.drain(..n.min(self.ahead.len()));
        }
    }
}

/// The decoded bytes of every member of a stream, in order.
struct Decoded<R: BufRead> {
    codec: Codec,
    state: Members<Ahead<R>>,
    members: u64,
}

impl<R: BufRead> Read for Decoded<R> {
    // A member's bytes are read until its decoder returns 0.
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = match &mut self.state {
                Members::Gzip(d) => d.read(buf)?,
                Members::Zstd(d) => d.read(buf)?,
                Members::Done => return Ok(0),
            };
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            // A member has ended: another one, the end, or trailing bytes.
            self.members += 1;
            let mut rest =
                match std::mem::replace(&mut self.state, Members::Done) {
                    Members::Gzip(d) => (*d).into_inner(),
                    Members::Zstd(d) => d.finish(),
                    Members::Done => return Ok(0),
                };
            let head = loop {
                match rest.fill_buf() {
                    Ok(h) => break h,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            };
            if head.is_empty() {
                return Ok(0);
            }
            // A member's magic may straddle a buffer edge: look at 4
            // bytes, put back ahead of the rest.
            if head.len() < 4 {
                let mut magic = [0u8; 4];
                let got = read_up_to(&mut rest, &mut magic)?;
                rest.ahead.extend_from_slice(&magic[..got]);
            }
            let head = rest.fill_buf()?;
            if Codec::sniff(&head[..head.len().min(4)]) != Some(self.codec) {
                let n = count_rest(&mut rest)?;
                return Err(self.trailing(n));
            }
            self.state = Members::start(self.codec, rest)?;
        }
    }
}

impl<R: BufRead> Decoded<R> {
    fn trailing(&self, n: u64) -> io::Error {
        let what = match self.codec {
            Codec::Gzip => "gzip member",
            Codec::Zstd => "zstd frame",
        };
        io::Error::other(format!(
            "{TRAILING}{n} bytes after the last {what} are not {} data; \
             ignored (the records before them are counted)",
            self.codec.name()
        ))
    }
}

fn read_up_to(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match r.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

fn count_rest(r: &mut impl BufRead) -> io::Result<u64> {
    io::copy(r, &mut io::sink())
}
