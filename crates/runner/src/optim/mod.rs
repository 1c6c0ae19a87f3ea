//! Optimisers written over plain tensors, so that their whole state (moments, step count) can be
//! saved in a checkpoint and a resumed run continues exactly where it stopped. Defaults follow
//! Keras (the report's stack): Adam epsilon 1e-7, RMSprop rho 0.9.

use tch::{nn::VarStore, Tensor};

use crate::config::{OptimizerConfig, OptimizerKind};

const BETA1: f64 = 0.9;
const BETA2: f64 = 0.999;
const EPS: f64 = 1e-7;
const RHO: f64 = 0.9;

/// An optimiser bound to a model's trainable variables.
pub struct Optimizer {
    cfg: OptimizerConfig,
    names: Vec<String>,
    params: Vec<Tensor>,
    /// First moment (Adam), momentum buffer (SGD) or unused.
    m: Vec<Tensor>,
    /// Second moment (Adam) or mean square (RMSprop).
    v: Vec<Tensor>,
    step: i64,
}

impl Optimizer {
    /// Binds to the trainable variables of `vs`, in name order.
    pub fn new(vs: &VarStore, cfg: &OptimizerConfig) -> Optimizer {
        let mut named: Vec<(String, Tensor)> = vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
        named.sort_by(|a, b| a.0.cmp(&b.0));
        let (names, params): (Vec<String>, Vec<Tensor>) = named.into_iter().unzip();
        let zeros = |p: &Tensor| p.zeros_like();
        let m = params.iter().map(zeros).collect();
        let v = params.iter().map(zeros).collect();
        Optimizer { cfg: cfg.clone(), names, params, m, v, step: 0 }
    }

    /// Clears the gradients.
    pub fn zero_grad(&mut self) {
        for p in &mut self.params {
            p.zero_grad();
        }
    }

    /// Steps taken so far.
    pub fn steps(&self) -> i64 {
        self.step
    }

    /// One update with learning rate `lr` (the schedule decides it; the config's is the base).
    pub fn step(&mut self, lr: f64) {
        self.step += 1;
        let t = self.step as i32;
        let wd = self.cfg.weight_decay;
        tch::no_grad(|| {
            for ((p, m), v) in self.params.iter_mut().zip(&mut self.m).zip(&mut self.v) {
                let g = p.grad();
                if !g.defined() {
                    continue;
                }
                let g = if wd > 0.0 && self.cfg.kind != OptimizerKind::Adamw { &g + &*p * wd } else { g };
                match self.cfg.kind {
                    OptimizerKind::Adam | OptimizerKind::Adamw => {
                        if self.cfg.kind == OptimizerKind::Adamw && wd > 0.0 {
                            let _ = p.g_mul_scalar_(1.0 - lr * wd);
                        }
                        let _ = m.lerp_(&g, 1.0 - BETA1);
                        let _ = v.g_mul_scalar_(BETA2);
                        let _ = v.g_add_(&(&g * &g * (1.0 - BETA2)));
                        let alpha = lr * (1.0 - BETA2.powi(t)).sqrt() / (1.0 - BETA1.powi(t));
                        let update = &*m * alpha / (v.sqrt() + EPS);
                        let _ = p.g_sub_(&update);
                    }
                    OptimizerKind::Sgd => {
                        if self.cfg.momentum > 0.0 {
                            let _ = m.g_mul_scalar_(self.cfg.momentum);
                            let _ = m.g_add_(&g);
                            let _ = p.g_sub_(&(&*m * lr));
                        } else {
                            let _ = p.g_sub_(&(&g * lr));
                        }
                    }
                    OptimizerKind::Rmsprop => {
                        let _ = v.g_mul_scalar_(RHO);
                        let _ = v.g_add_(&(&g * &g * (1.0 - RHO)));
                        let _ = p.g_sub_(&(&g * lr / (v.sqrt() + EPS)));
                    }
                }
            }
        });
    }

    /// The state as named tensors (for a safetensors checkpoint); the step count is a 1-element tensor.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = vec![("step".to_string(), Tensor::from_slice(&[self.step]))];
        for (i, name) in self.names.iter().enumerate() {
            out.push((format!("m.{name}"), self.m[i].shallow_clone()));
            out.push((format!("v.{name}"), self.v[i].shallow_clone()));
        }
        out
    }

    /// Restores a state saved by [`Optimizer::state`]. Returns the names it expected but did not find.
    pub fn load_state(&mut self, named: Vec<(String, Tensor)>) -> Vec<String> {
        let map: std::collections::HashMap<String, Tensor> = named.into_iter().collect();
        let mut missing = Vec::new();
        match map.get("step") {
            Some(s) => self.step = s.int64_value(&[0]),
            None => missing.push("step".into()),
        }
        tch::no_grad(|| {
            for (i, name) in self.names.iter().enumerate() {
                for (prefix, buf) in [("m", &mut self.m[i]), ("v", &mut self.v[i])] {
                    match map.get(&format!("{prefix}.{name}")) {
                        Some(t) if t.size() == buf.size() => buf.copy_(t),
                        _ => missing.push(format!("{prefix}.{name}")),
                    }
                }
            }
        });
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::{nn, Device, Kind};

    fn quadratic_descends(kind: OptimizerKind, lr: f64) {
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[3], nn::Init::Const(2.0));
        let cfg = OptimizerConfig { kind, lr, weight_decay: 0.0, momentum: 0.9 };
        let mut opt = Optimizer::new(&vs, &cfg);
        let first = (&w * &w).sum(Kind::Float).double_value(&[]);
        for _ in 0..50 {
            opt.zero_grad();
            (&w * &w).sum(Kind::Float).backward();
            opt.step(lr);
        }
        let last = (&w * &w).sum(Kind::Float).double_value(&[]);
        assert!(last < first * 0.5, "{kind:?}: {first} -> {last}");
    }

    #[test]
    fn every_optimizer_minimises_a_quadratic() {
        quadratic_descends(OptimizerKind::Adam, 0.1);
        quadratic_descends(OptimizerKind::Adamw, 0.1);
        quadratic_descends(OptimizerKind::Sgd, 0.01);
        quadratic_descends(OptimizerKind::Rmsprop, 0.05);
    }

    #[test]
    fn first_adam_step_moves_each_weight_by_lr() {
        // Equivalent Python: after one Adam step, |delta| = lr * |g| / (|g| + eps*...) ~= lr.
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[2], nn::Init::Const(1.0));
        let cfg = OptimizerConfig { kind: OptimizerKind::Adam, lr: 0.01, weight_decay: 0.0, momentum: 0.0 };
        let mut opt = Optimizer::new(&vs, &cfg);
        (&w * 3.0).sum(Kind::Float).backward();
        opt.step(0.01);
        assert!((w.double_value(&[0]) - 0.99).abs() < 1e-6);
    }

    #[test]
    fn state_round_trip() {
        let vs = VarStore::new(Device::Cpu);
        let w = vs.root().var("w", &[2], nn::Init::Const(1.0));
        let cfg = OptimizerConfig { kind: OptimizerKind::Adam, lr: 0.01, weight_decay: 0.0, momentum: 0.0 };
        let mut a = Optimizer::new(&vs, &cfg);
        (&w * 3.0).sum(Kind::Float).backward();
        a.step(0.01);
        let mut b = Optimizer::new(&vs, &cfg);
        assert!(b.load_state(a.state()).is_empty());
        assert_eq!(b.steps(), 1);
        assert_eq!(b.m[0].double_value(&[0]), a.m[0].double_value(&[0]));
    }
}
