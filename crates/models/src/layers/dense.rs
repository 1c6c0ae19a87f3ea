//! Fully connected layers and the flatten that feeds them (channels-first, libtorch's layout: the
//! same parameter counts as Keras, another weight order).

use tch::{nn, Tensor};

use super::builder::Builder;
use super::network::Op;
use super::shape::Shape;
use super::Activation;
use crate::ModelError;

/// A dense layer as the network runs it.
#[derive(Debug)]
pub(super) struct Dense {
    ws: Tensor,
    bs: Tensor,
    act: Activation,
}

impl Dense {
    pub(super) fn forward(&self, xs: &Tensor) -> Tensor {
        self.act.apply(xs.linear(&self.ws, Some(&self.bs)))
    }
}

impl<'a> Builder<'a> {
    /// Flattens a feature map (channels-first order, libtorch's layout).
    pub fn flatten(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        self.map("flatten")?;
        let name = self.name(name, "flatten");
        let out = Shape::Flat(self.shape.numel());
        self.push(name, "Flatten".into(), Op::Flatten, out, 0, vec![], vec![]);
        Ok(())
    }

    /// A fully connected layer; needs a flat input.
    pub fn dense(&mut self, name: Option<&str>, units: i64, act: Activation) -> Result<(), ModelError> {
        let inp = match self.shape {
            Shape::Flat(f) => f,
            Shape::Map { .. } => {
                return Err(self.err(
                    "dense",
                    format!(
                        "receives {}; flatten it first (a `flatten` or `global_avg_pool` layer)",
                        self.shape.describe()
                    ),
                ))
            }
        };
        if units < 1 {
            return Err(self.err("dense", format!("units must be positive, got {units}")));
        }
        self.reserve("dense", &[&[units, inp], &[units]])?;
        let name = self.name(name, "dense");
        let ws = self.learned(&name, "weight", &[units, inp], self.init.dense(inp, units));
        let bs = self.learned(&name, "bias", &[units], nn::Init::Const(0.0));
        let op = Op::Dense(Dense { ws: ws.1.shallow_clone(), bs: bs.1.shallow_clone(), act });
        let kind = format!("Dense{}", act.suffix());
        self.push(name, kind, op, Shape::Flat(units), inp * units, vec![ws, bs], vec![]);
        Ok(())
    }
}
