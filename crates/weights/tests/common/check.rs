//! The MobileNetV2 check's input, one definition for the example that writes it for torchvision
//! and the test that compares against torchvision's logits.

use std::path::PathBuf;

/// The faces decoded by agelab's decoder and resized to 224x224 RGB (triangle filter, the
/// project's default), CHW `u8`, back to back.
pub fn pixels(faces: &[PathBuf]) -> Result<Vec<u8>, String> {
    let pre =
        dataset::Preprocess { size: 224, color: dataset::ColorMode::Rgb, filter: dataset::ResizeFilter::Triangle };
    let mut out = Vec::with_capacity(faces.len() * pre.image_len());
    for face in faces {
        out.extend(pre.decode(face).map_err(|e| e.to_string())?);
    }
    Ok(out)
}
