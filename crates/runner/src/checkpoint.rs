//! Checkpoints: weights and optimiser state per epoch, committed by `state.json`. A checkpoint's
//! files are written (atomically) before the state that names them, so a kill at any moment leaves
//! a consistent last checkpoint to resume from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{nn::VarStore, Tensor};

use crate::optim::Optimizer;
use crate::rundir::{tmp_path, write_atomic};
use crate::RunnerError;

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
    /// previous epoch's files afterwards. With `is_best`, also refreshes `best.safetensors`.
    pub fn save(&self, vs: &VarStore, opt: &Optimizer, state: &TrainState, is_best: bool) -> Result<(), RunnerError> {
        let weights = self.dir.join(&state.weights);
        save_tensors(&named(vs), &weights)?;
        save_tensors(&opt.state(), &self.dir.join(&state.optimizer))?;
        if is_best {
            save_tensors(&named(vs), &self.best())?;
        }
        let previous = self.load_state().ok().flatten();
        let json = serde_json::to_vec_pretty(state).expect("state serialises");
        write_atomic(&self.state_path(), &json)?;
        if let Some(prev) = previous {
            for f in [prev.weights, prev.optimizer] {
                if f != state.weights && f != state.optimizer {
                    let _ = std::fs::remove_file(self.dir.join(f));
                }
            }
        }
        Ok(())
    }

    /// The committed state, if any checkpoint was saved.
    pub fn load_state(&self) -> Result<Option<TrainState>, RunnerError> {
        let path = self.state_path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map(Some)
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
