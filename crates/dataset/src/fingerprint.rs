//! Content fingerprints (SHA-256, hex) for data, splits and caches.

use sha2::{Digest, Sha256};

/// Builds a fingerprint from several pieces.
#[derive(Default)]
pub struct Fingerprint(Sha256);

impl Fingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds a piece (length-prefixed, so pieces cannot run into each other).
    pub fn add(&mut self, bytes: &[u8]) -> &mut Self {
        self.0.update((bytes.len() as u64).to_le_bytes());
        self.0.update(bytes);
        self
    }
    /// The hex digest, first 16 bytes (32 hex characters).
    pub fn finish(self) -> String {
        self.0.finalize()[..16].iter().map(|b| format!("{b:02x}")).collect()
    }
    /// Fingerprint of one byte string.
    pub fn of_bytes(bytes: &[u8]) -> String {
        let mut f = Self::new();
        f.add(bytes);
        f.finish()
    }
}
