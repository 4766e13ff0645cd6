//! The one integration test binary (see `Cargo.toml`, `autotests = false`).

mod adversarial;
mod cli;
mod csv_fast;
mod differential;
mod explain;
mod fast_path;
mod faults;
mod formats;
mod golden;
mod hostile_io;
mod hostile_read;
mod partial;
mod properties;
mod regression;
mod rules;
mod shard;
mod slicing;
mod util;
