//! The one integration test binary (see `Cargo.toml`, `autotests = false`).

mod adversarial;
mod cli;
mod csv_fast;
mod diff;
mod differential;
mod explain;
mod fast_path;
mod faults;
mod field;
mod formats;
mod gates;
mod golden;
mod hostile_io;
mod hostile_read;
mod human;
mod partial;
mod properties;
mod prune_window;
mod regression;
mod rules;
mod shard;
mod slicing;
mod updates;
mod util;
mod walk;
