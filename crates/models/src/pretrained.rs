//! Pretrained weights into a built network: the one loader every architecture with torchvision
//! weights uses (VGG-16, MobileNetV2).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use tch::Tensor;

use crate::ModelError;

/// Copies the tensors of the safetensors file `path` into `targets` (a network's variables, by
/// name). Every target must be in the file with its shape, else nothing is copied and the error
/// lists every missing or mismatched tensor (`tch`'s own copy would broadcast a wrong shape
/// silently). Returns the names of the file's tensors no target took, sorted.
pub fn copy_from_safetensors(
    model: &'static str,
    targets: &[(String, Tensor)],
    path: &Path,
) -> Result<Vec<String>, ModelError> {
    let read_err = |reason: String| ModelError::PretrainedRead { model, path: PathBuf::from(path), reason };
    if !path.is_file() {
        return Err(read_err("no such file".into()));
    }
    let file: HashMap<String, Tensor> =
        Tensor::read_safetensors(path).map_err(|e| read_err(e.to_string()))?.into_iter().collect();
    let problems: Vec<String> = targets
        .iter()
        .filter_map(|(name, t)| match file.get(name) {
            None => Some(format!("missing {name} (expected shape {:?})", t.size())),
            Some(src) if src.size() != t.size() => {
                Some(format!("{name} has shape {:?} in the file, the model expects {:?}", src.size(), t.size()))
            }
            Some(_) => None,
        })
        .collect();
    if !problems.is_empty() {
        return Err(ModelError::Pretrained { model, path: PathBuf::from(path), problems });
    }
    tch::no_grad(|| -> Result<(), ModelError> {
        for (name, t) in targets {
            let src = file[name].to_kind(t.kind()).to_device(t.device());
            t.shallow_clone().f_copy_(&src).map_err(|e| read_err(format!("{name}: {e}")))?;
        }
        Ok(())
    })?;
    let used: BTreeSet<&str> = targets.iter().map(|(n, _)| n.as_str()).collect();
    let mut unused: Vec<String> = file.into_keys().filter(|k| !used.contains(k.as_str())).collect();
    unused.sort();
    Ok(unused)
}
