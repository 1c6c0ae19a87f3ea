//! Normalisation: batch norm with Keras' defaults, and Caffe's local response normalisation
//! (libtorch has no LRN kernel, so it is built here).

use tch::{nn, Tensor};

use super::builder::Builder;
use super::network::Op;
use crate::ModelError;

/// Local response normalisation across channels, Caffe's formulation (also PyTorch's
/// `local_response_norm`): `b_c = a_c / (k + alpha / n * sum_{c' in window(c)} a_c'^2)^beta` with
/// a window of `n = size` channels centred on `c`, zero-padded at the ends. It is computed with
/// `avg_pool3d` over a channel window.
pub fn local_response_norm(xs: &Tensor, size: i64, alpha: f64, beta: f64, k: f64) -> Tensor {
    let sq = xs.square().unsqueeze(1).constant_pad_nd([0, 0, 0, 0, size / 2, (size - 1) / 2]);
    let avg = sq.avg_pool3d([size, 1, 1], [1, 1, 1], [0, 0, 0], false, true, None::<i64>).squeeze_dim(1);
    xs / (avg * alpha + k).pow_tensor_scalar(beta)
}

/// An LRN layer's constants.
#[derive(Debug)]
pub(super) struct Lrn {
    size: i64,
    alpha: f64,
    beta: f64,
    k: f64,
}

impl Lrn {
    pub(super) fn forward(&self, xs: &Tensor) -> Tensor {
        local_response_norm(xs, self.size, self.alpha, self.beta, self.k)
    }
}

/// Keras' batch-norm epsilon.
const EPS: f64 = 1e-3;
/// Keras' moving-average momentum 0.99, as libtorch counts it (the weight of the new batch).
const MOMENTUM: f64 = 0.01;

/// A batch norm as the network runs it: scale, shift and running statistics.
#[derive(Debug)]
pub(super) struct BatchNorm {
    ws: Tensor,
    bs: Tensor,
    mean: Tensor,
    var: Tensor,
}

impl BatchNorm {
    pub(super) fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        // libtorch refuses batch statistics over a single value per channel (a batch of one flat
        // vector, e.g. a loader's last batch): use the running statistics for it.
        let batch_stats = train && (xs.dim() > 2 || xs.size()[0] > 1);
        Tensor::batch_norm(
            xs,
            Some(&self.ws),
            Some(&self.bs),
            Some(&self.mean),
            Some(&self.var),
            batch_stats,
            MOMENTUM,
            EPS,
            true,
        )
    }
}

impl<'a> Builder<'a> {
    /// Caffe's across-channel LRN (see [`local_response_norm`]).
    pub fn lrn(&mut self, name: Option<&str>, size: i64, alpha: f64, beta: f64, k: f64) -> Result<(), ModelError> {
        self.map("lrn")?;
        if size < 1 {
            return Err(self.err("lrn", format!("size must be positive, got {size}")));
        }
        let name = self.name(name, "lrn");
        let out = self.shape;
        self.push(name, "LRN".into(), Op::Lrn(Lrn { size, alpha, beta, k }), out, 0, vec![], vec![]);
        Ok(())
    }

    /// Batch normalisation over the channels of a map or the features of a vector (Keras'
    /// defaults: epsilon 1e-3, momentum 0.99; gamma 1, beta 0).
    pub fn batch_norm(&mut self, name: Option<&str>) -> Result<(), ModelError> {
        let c = self.shape.dims()[0];
        self.reserve("batch norm", &[&[c], &[c]])?;
        let name = self.name(name, "batch_normalization");
        // tch's order: weight, bias, running_mean, running_var
        let ws = self.learned(&name, "weight", &[c], nn::Init::Const(1.0));
        let bs = self.learned(&name, "bias", &[c], nn::Init::Const(0.0));
        let mean = self.state(&name, "running_mean", &[c], false);
        let var = self.state(&name, "running_var", &[c], true);
        let op = Op::BatchNorm(BatchNorm {
            ws: ws.1.shallow_clone(),
            bs: bs.1.shallow_clone(),
            mean: mean.1.shallow_clone(),
            var: var.1.shallow_clone(),
        });
        let out = self.shape;
        self.push(name, "BatchNormalization".into(), op, out, 0, vec![ws, bs], vec![mean, var]);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{Device, Kind};

    #[test]
    fn lrn_matches_the_caffe_formula() {
        let x = Tensor::arange(2 * 7 * 2 * 2, (Kind::Double, Device::Cpu)).view([2, 7, 2, 2]) / 10.0;
        let (n, alpha, beta, k) = (5i64, 1e-1, 0.75, 2.0);
        let y = local_response_norm(&x, n, alpha, beta, k);
        for b in 0..2 {
            for c in 0..7i64 {
                let lo = (c - n / 2).max(0);
                let hi = (c + (n - 1) / 2).min(6);
                let sum: f64 = (lo..=hi).map(|cc| x.double_value(&[b, cc, 1, 0]).powi(2)).sum();
                let want = x.double_value(&[b, c, 1, 0]) / (k + alpha / n as f64 * sum).powf(beta);
                let got = y.double_value(&[b, c, 1, 0]);
                assert!((want - got).abs() < 1e-12, "c={c}: {want} vs {got}");
            }
        }
    }
}
