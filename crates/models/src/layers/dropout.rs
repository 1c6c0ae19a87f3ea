//! Dropout: the regulariser of every zoo model but `model1`, active only when training.

use super::builder::Builder;
use super::network::Op;
use crate::ModelError;

impl<'a> Builder<'a> {
    /// Dropout with drop probability `rate` (active only when training).
    pub fn dropout(&mut self, name: Option<&str>, rate: f64) -> Result<(), ModelError> {
        if !(0.0..1.0).contains(&rate) {
            return Err(self.err("dropout", format!("rate must be in [0, 1), got {rate}")));
        }
        let name = self.name(name, "dropout");
        let out = self.shape;
        self.push(name, "Dropout".into(), Op::Dropout(rate), out, 0, vec![], vec![]);
        Ok(())
    }
}
