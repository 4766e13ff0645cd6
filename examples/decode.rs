//! Decompress a `.gz` or `.zst` file to nowhere with the same libraries and
//! buffer sizes calltally uses, and print the decompressed byte count: the
//! "bare decompression speed of the same file with the same library" that
//! `benches/compare.sh` holds calltally's compressed runs against.
//!
//! ```text
//! cargo run --release --example decode -- FILE.gz|FILE.zst
//! ```

use std::fs::File;
use std::io::{self, BufReader, Read};

fn main() -> io::Result<()> {
    let path =
        std::env::args().nth(1).expect("usage: decode FILE.gz|FILE.zst");
    let file = BufReader::with_capacity(256 << 10, File::open(&path)?);
    let mut decoder: Box<dyn Read> = if path.ends_with(".zst") {
        Box::new(zstd::stream::read::Decoder::with_buffer(file)?)
    } else {
        Box::new(flate2::bufread::MultiGzDecoder::new(file))
    };
    // Blocks of the size calltally reads a stream in.
    let mut buf = vec![0u8; 16 << 20];
    let mut total = 0u64;
    loop {
        let n = decoder.read(&mut buf)?;
        if n == 0 {
            break;
        }
        total += n as u64;
    }
    println!("{total}");
    Ok(())
}
