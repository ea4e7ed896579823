//! The edges: reading CSV inputs and rule files from disk, writing outputs.
//! Only this module and `cli` touch the file system.

pub mod csv;
pub mod dates;
pub mod encoding;
pub mod lines;
pub mod record;
pub mod write;
