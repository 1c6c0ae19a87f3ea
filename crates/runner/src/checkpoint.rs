//! Checkpoints: weights and optimiser state per epoch, committed by `state.json`. A checkpoint's
//! files are written (atomically) before the state that names them, so a kill at any moment leaves
//! a consistent last checkpoint to resume from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{nn::VarStore, Tensor};

use crate::optim::Optimizer;
use crate::RunnerError;
use runfolder::{tmp_path, write_atomic};

/// Progress of a run, as of its last checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainState {
    /// Epochs completed.
    pub epoch: usize,
    /// Weights file of that epoch (relative to the checkpoint folder).
    pub weights: String,
    /// Optimiser state file of that epoch.
    pub optimizer: String,
    /// Best epoch so far by the selection metric (0: none yet).
    pub best_epoch: usize,
    /// Its score (higher is better; MAE and losses are negated).
    pub best_score: f64,
    /// `best_score`'s exact bits, written by [`Checkpoints::save`] and preferred on load: JSON's
    /// decimal can read back one ULP off, and a later epoch that ties the best must not win after
    /// a resume when it would not have won without one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub best_score_bits: Option<u64>,
}

/// The checkpoint folder of a run.
pub struct Checkpoints {
    dir: PathBuf,
}

impl Checkpoints {
    /// The folder (created by `RunDir`).
    pub fn new(dir: PathBuf) -> Checkpoints {
        Checkpoints { dir }
    }

    /// Removes temp files a killed run left half-written (in this folder and the run folder above);
    /// the committed files they were replacing are intact. Returns the names removed.
    pub fn remove_stale_temps(&self) -> Vec<String> {
        let mut removed = Vec::new();
        for dir in [Some(self.dir.as_path()), self.dir.parent()].into_iter().flatten() {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.contains(".tmp") && entry.path().is_file() && std::fs::remove_file(entry.path()).is_ok() {
                    removed.push(name);
                }
            }
        }
        removed
    }

    fn state_path(&self) -> PathBuf {
        self.dir.join("state.json")
    }

    /// Path of the best weights.
    pub fn best(&self) -> PathBuf {
        self.dir.join("best.safetensors")
    }

    /// Saves epoch `state.epoch`: weights, optimiser, then the state that commits them; removes the
    /// previous epoch's files afterwards. With `is_best`, `best.safetensors` becomes a copy of the
    /// committed weights, after the commit: a kill before it leaves the state naming this epoch as
    /// best and its weights file in place, from which [`Checkpoints::repair_best`] redoes the copy;
    /// best weights never come from an epoch that the state does not commit.
    pub fn save(&self, vs: &VarStore, opt: &Optimizer, state: &TrainState, is_best: bool) -> Result<(), RunnerError> {
        let weights = self.dir.join(&state.weights);
        save_tensors(&named(vs), &weights)?;
        save_tensors(&opt.state(), &self.dir.join(&state.optimizer))?;
        let previous = self.load_state().ok().flatten();
        let exact = TrainState { best_score_bits: Some(state.best_score.to_bits()), ..state.clone() };
        let json = serde_json::to_vec_pretty(&exact).expect("state serialises");
        write_atomic(&self.state_path(), &json)?;
        if is_best {
            self.copy_to_best(&weights)?;
        }
        if let Some(prev) = previous {
            for f in [prev.weights, prev.optimizer] {
                if f != state.weights && f != state.optimizer {
                    let _ = std::fs::remove_file(self.dir.join(f));
                }
            }
        }
        Ok(())
    }

    /// Copies a committed weights file to `best.safetensors`, atomically.
    fn copy_to_best(&self, weights: &Path) -> Result<(), RunnerError> {
        let best = self.best();
        let tmp = tmp_path(&best);
        std::fs::copy(weights, &tmp).map_err(|e| RunnerError::io(weights, e))?;
        std::fs::rename(&tmp, &best).map_err(|e| RunnerError::io(&best, e))
    }

    /// Before resuming from `state`: when its last epoch is its best, `best.safetensors` may
    /// predate it (the run was killed between the commit and the copy), so the copy is redone.
    pub fn repair_best(&self, state: &TrainState) -> Result<(), RunnerError> {
        if state.best_epoch > 0 && state.best_epoch == state.epoch {
            self.copy_to_best(&self.dir.join(&state.weights))?;
        }
        Ok(())
    }

    /// The committed state, if any checkpoint was saved.
    pub fn load_state(&self) -> Result<Option<TrainState>, RunnerError> {
        let path = self.state_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<TrainState>(&bytes)
                .map(|mut s| {
                    if let Some(bits) = s.best_score_bits {
                        s.best_score = f64::from_bits(bits);
                    }
                    Some(s)
                })
                .map_err(|e| RunnerError::RunFolder { path, message: format!("corrupt checkpoint state: {e}") }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(RunnerError::io(path, e)),
        }
    }

    /// Loads the weights and optimiser state a `TrainState` names.
    pub fn restore(&self, state: &TrainState, vs: &mut VarStore, opt: &mut Optimizer) -> Result<(), RunnerError> {
        load_weights(vs, &self.dir.join(&state.weights))?;
        let path = self.dir.join(&state.optimizer);
        let tensors = Tensor::read_safetensors(&path)?;
        let missing = opt.load_state(tensors);
        if !missing.is_empty() {
            return Err(RunnerError::RunFolder {
                path,
                message: format!("optimizer state lacks {}", missing.join(", ")),
            });
        }
        Ok(())
    }
}

fn named(vs: &VarStore) -> Vec<(String, Tensor)> {
    let mut v: Vec<(String, Tensor)> = vs.variables().into_iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// Writes named tensors as safetensors, atomically.
pub fn save_tensors(tensors: &[(String, Tensor)], path: &Path) -> Result<(), RunnerError> {
    let tmp = tmp_path(path);
    Tensor::write_safetensors(tensors, &tmp)?;
    std::fs::rename(&tmp, path).map_err(|e| RunnerError::io(path, e))
}

/// Loads weights into a `VarStore`; missing or mismatched tensors are an error that lists them.
pub fn load_weights(vs: &mut VarStore, path: &Path) -> Result<(), RunnerError> {
    let file: std::collections::HashMap<String, Tensor> = Tensor::read_safetensors(path)?.into_iter().collect();
    let mut problems = Vec::new();
    let vars = vs.variables();
    tch::no_grad(|| {
        for (name, mut var) in vars {
            match file.get(&name) {
                Some(t) if t.size() == var.size() => var.copy_(t),
                Some(t) => {
                    problems.push(format!("{name}: file has shape {:?}, model expects {:?}", t.size(), var.size()))
                }
                None => problems.push(format!("{name}: missing")),
            }
        }
    });
    if problems.is_empty() {
        Ok(())
    } else {
        problems.sort();
        Err(RunnerError::RunFolder {
            path: path.to_path_buf(),
            message: format!("weights do not fit the model:\n  {}", problems.join("\n  ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{OptimizerConfig, OptimizerKind};
    use tch::{nn, Device};

    fn store(value: f64) -> VarStore {
        let vs = VarStore::new(Device::Cpu);
        let _ = vs.root().var("w", &[2], nn::Init::Const(value));
        vs
    }

    fn state(epoch: usize, best_epoch: usize, best_score: f64) -> TrainState {
        TrainState {
            epoch,
            weights: format!("epoch-{epoch:03}.safetensors"),
            optimizer: format!("epoch-{epoch:03}-optimizer.safetensors"),
            best_epoch,
            best_score,
            best_score_bits: None,
        }
    }

    fn w(path: &Path) -> Vec<f32> {
        let t: Vec<(String, Tensor)> = Tensor::read_safetensors(path).unwrap();
        Vec::<f32>::try_from(&t[0].1).unwrap()
    }

    #[test]
    fn the_best_score_reads_back_bit_for_bit() {
        let dir = tempfile::tempdir().unwrap();
        let ck = Checkpoints::new(dir.path().to_path_buf());
        let vs = store(1.0);
        let opt = Optimizer::new(
            &vs,
            &OptimizerConfig { kind: OptimizerKind::Sgd, lr: 0.1, weight_decay: 0.0, momentum: 0.0 },
        );
        // 6312/7000: a validation accuracy whose JSON decimal serde_json reads back one ULP low
        let score = 6312.0 / 7000.0;
        ck.save(&vs, &opt, &state(1, 1, score), true).unwrap();
        assert_eq!(ck.load_state().unwrap().unwrap().best_score.to_bits(), score.to_bits());
    }

    #[test]
    fn best_weights_are_copied_after_the_commit_and_repaired_on_resume() {
        let dir = tempfile::tempdir().unwrap();
        let ck = Checkpoints::new(dir.path().to_path_buf());
        let cfg = OptimizerConfig { kind: OptimizerKind::Sgd, lr: 0.1, weight_decay: 0.0, momentum: 0.0 };
        let (one, two) = (store(1.0), store(2.0));
        ck.save(&one, &Optimizer::new(&one, &cfg), &state(1, 1, 0.5), true).unwrap();
        assert_eq!(w(&ck.best()), vec![1.0, 1.0]);
        ck.save(&two, &Optimizer::new(&two, &cfg), &state(2, 2, 0.6), true).unwrap();
        assert_eq!(w(&ck.best()), vec![2.0, 2.0]);
        // a kill between epoch 2's commit and its copy: best.safetensors still holds epoch 1
        save_tensors(&named(&one), &ck.best()).unwrap();
        let saved = ck.load_state().unwrap().unwrap();
        ck.repair_best(&saved).unwrap();
        assert_eq!(w(&ck.best()), vec![2.0, 2.0]);
        // a state whose best is older leaves best.safetensors alone
        let three = store(3.0);
        ck.save(&three, &Optimizer::new(&three, &cfg), &state(3, 2, 0.6), false).unwrap();
        ck.repair_best(&ck.load_state().unwrap().unwrap()).unwrap();
        assert_eq!(w(&ck.best()), vec![2.0, 2.0]);
    }
}
