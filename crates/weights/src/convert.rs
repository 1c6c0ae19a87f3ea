//! A torch checkpoint (any container `torch.save` writes, the legacy pickle stream included) into a
//! safetensors file: the one conversion, done once at fetch time, so models only ever read
//! safetensors.

use std::collections::HashMap;
use std::path::Path;

use pytorch_reader::{DType, PytorchReader};
use safetensors::tensor::{Dtype, TensorView};

use crate::catalog::Conversion;
use crate::WeightsError;

/// A tensor read from a checkpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct RawTensor {
    /// Element type.
    pub dtype: Dtype,
    /// Shape.
    pub shape: Vec<usize>,
    /// Little-endian bytes, row-major.
    pub data: Vec<u8>,
}

fn dtype(d: DType) -> Dtype {
    match d {
        DType::F64 => Dtype::F64,
        DType::F32 => Dtype::F32,
        DType::F16 => Dtype::F16,
        DType::BF16 => Dtype::BF16,
        DType::I64 => Dtype::I64,
        DType::I32 => Dtype::I32,
        DType::I16 => Dtype::I16,
        DType::I8 => Dtype::I8,
        DType::U64 => Dtype::U64,
        DType::U32 => Dtype::U32,
        DType::U16 => Dtype::U16,
        DType::U8 => Dtype::U8,
        DType::Bool => Dtype::BOOL,
    }
}

/// Reads the tensors of a torch checkpoint file and applies `conversion` (names kept or dropped).
pub fn read_checkpoint(path: &Path, conversion: Conversion) -> Result<Vec<(String, RawTensor)>, WeightsError> {
    let err = |reason: String| WeightsError::Checkpoint { file: path.to_path_buf(), reason };
    let reader = PytorchReader::new(path).map_err(|e| err(e.to_string()))?;
    let mut out = Vec::new();
    for (name, t) in reader.into_tensors() {
        let keep = match conversion {
            Conversion::StateDict => !name.ends_with("num_batches_tracked"),
        };
        if !keep {
            continue;
        }
        let data = t.read().map_err(|e| err(format!("tensor {name}: {e}")))?;
        out.push((name, RawTensor { dtype: dtype(t.dtype()), shape: t.shape().to_vec(), data }));
    }
    if out.is_empty() {
        return Err(err("no tensors in the checkpoint".into()));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(out)
}

/// A safetensors file's bytes holding `tensors`, with `metadata` in its header.
pub fn to_safetensors(tensors: &[(String, RawTensor)], metadata: HashMap<String, String>) -> Result<Vec<u8>, String> {
    let views = tensors
        .iter()
        .map(|(name, t)| {
            TensorView::new(t.dtype, t.shape.clone(), &t.data)
                .map(|v| (name.as_str(), v))
                .map_err(|e| format!("tensor {name}: {e}"))
        })
        .collect::<Result<Vec<_>, String>>()?;
    safetensors::tensor::serialize(views, &Some(metadata)).map_err(|e| e.to_string())
}

/// The metadata map in a safetensors file's header (the library checks the whole file against
/// its header, so a truncated file is an error too).
pub fn read_metadata(path: &Path) -> Result<HashMap<String, String>, String> {
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    let (_, meta) = safetensors::SafeTensors::read_metadata(&bytes).map_err(|e| format!("{e:?}"))?;
    Ok(meta.metadata().clone().unwrap_or_default())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A legacy (pre-1.6, non-zip) `torch.save` of an `OrderedDict` state dict, written opcode by
    /// opcode as torch's `_legacy_save` does with pickle protocol 2: magic number, protocol
    /// version, sys info, the dict (tensors as `_rebuild_tensor_v2` of persistent-id storages),
    /// the storage keys, then each storage as an i64 element count and its bytes.
    pub(crate) fn legacy_checkpoint(tensors: &[(&str, &[usize], &[f32])]) -> Vec<u8> {
        fn unicode(out: &mut Vec<u8>, s: &str) {
            out.push(b'X');
            out.extend((s.len() as u32).to_le_bytes());
            out.extend(s.as_bytes());
        }
        fn int(out: &mut Vec<u8>, v: usize) {
            out.push(b'J');
            out.extend((v as i32).to_le_bytes());
        }
        fn tuple(out: &mut Vec<u8>, items: &[usize]) {
            out.push(b'(');
            for &i in items {
                int(out, i);
            }
            out.push(b't');
        }
        let mut out = Vec::new();
        // Magic number 0x1950a86a20f9469cfc6c as a pickled long, then protocol 1001.
        out.extend([0x80, 2, 0x8a, 10, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, b'.']);
        out.extend([0x80, 2, b'M', 0xe9, 0x03, b'.']);
        out.extend([0x80, 2, b'}', b'(']);
        unicode(&mut out, "little_endian");
        out.push(0x88);
        out.extend([b'u', b'.']);
        // The state dict.
        out.extend([0x80, 2, b'c']);
        out.extend(b"collections\nOrderedDict\n");
        out.extend([b')', b'R', b'(']);
        for (k, (name, shape, _)) in tensors.iter().enumerate() {
            unicode(&mut out, name);
            out.push(b'c');
            out.extend(b"torch._utils\n_rebuild_tensor_v2\n");
            out.push(b'(');
            // Persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel, None).
            out.push(b'(');
            unicode(&mut out, "storage");
            out.push(b'c');
            out.extend(b"torch\nFloatStorage\n");
            unicode(&mut out, &k.to_string());
            unicode(&mut out, "cpu");
            int(&mut out, shape.iter().product());
            out.push(b'N');
            out.extend([b't', b'Q']);
            int(&mut out, 0);
            tuple(&mut out, shape);
            let mut strides = vec![1usize; shape.len()];
            for i in (0..shape.len().saturating_sub(1)).rev() {
                strides[i] = strides[i + 1] * shape[i + 1];
            }
            tuple(&mut out, &strides);
            out.push(0x89); // requires_grad False
            out.push(b'c');
            out.extend(b"collections\nOrderedDict\n");
            out.extend([b')', b'R', b't', b'R']);
        }
        out.extend([b'u', b'.']);
        // Storage keys, then the storages.
        out.extend([0x80, 2, b']', b'(']);
        for k in 0..tensors.len() {
            unicode(&mut out, &k.to_string());
        }
        out.extend([b'e', b'.']);
        for (_, _, data) in tensors {
            out.extend((data.len() as i64).to_le_bytes());
            for v in *data {
                out.extend(v.to_le_bytes());
            }
        }
        out
    }

    fn f32s(bytes: &[u8]) -> Vec<f32> {
        bytes.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect()
    }

    #[test]
    fn legacy_checkpoint_converts_with_names_shapes_and_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("legacy.pth");
        let conv: Vec<f32> = (0..12).map(|i| i as f32 * 0.5 - 1.0).collect();
        std::fs::write(
            &path,
            legacy_checkpoint(&[
                ("features.0.0.weight", &[2, 1, 2, 3], &conv),
                ("features.0.1.running_var", &[2], &[0.25, 4.0]),
                ("features.0.1.num_batches_tracked", &[], &[7.0]),
            ]),
        )
        .unwrap();
        let tensors = read_checkpoint(&path, Conversion::StateDict).unwrap();
        let names: Vec<&str> = tensors.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["features.0.0.weight", "features.0.1.running_var"]);
        assert_eq!(tensors[0].1.shape, [2, 1, 2, 3]);
        assert_eq!(tensors[0].1.dtype, Dtype::F32);
        assert_eq!(f32s(&tensors[0].1.data), conv);
        assert_eq!(f32s(&tensors[1].1.data), [0.25, 4.0]);

        let meta = HashMap::from([("source".to_string(), "test".to_string())]);
        let bytes = to_safetensors(&tensors, meta).unwrap();
        let out = dir.path().join("out.safetensors");
        std::fs::write(&out, &bytes).unwrap();
        assert_eq!(read_metadata(&out).unwrap()["source"], "test");
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let w = st.tensor("features.0.0.weight").unwrap();
        assert_eq!(w.shape(), [2, 1, 2, 3]);
        assert_eq!(f32s(w.data()), conv);
    }

    #[test]
    fn truncated_checkpoint_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cut.pth");
        let full = legacy_checkpoint(&[("w", &[4], &[1.0, 2.0, 3.0, 4.0])]);
        std::fs::write(&path, &full[..full.len() - 6]).unwrap();
        let e = read_checkpoint(&path, Conversion::StateDict).unwrap_err().to_string();
        assert!(e.contains("cut.pth"), "{e}");
    }
}
