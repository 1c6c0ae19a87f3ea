//! Writes the pixels the MobileNetV2 check feeds both implementations: UTKFace faces decoded and
//! resized to 224x224 RGB by agelab's own decoder, as one `u8` array `[N, 3, 224, 224]` in a
//! `.npy` file (read by `bench/check_mobilenet.py`, which runs torchvision on them). Prints the
//! SHA-256 of the pixel bytes, which the reference records so the Rust test knows it decodes the
//! same pixels.
//!
//!     cargo run -p weights --example mobilenet_v2_inputs -- OUT.npy FACE.jpg...

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let out = args.next().ok_or("usage: mobilenet_v2_inputs OUT.npy FACE.jpg...")?;
    let faces: Vec<PathBuf> = args.collect();
    if faces.is_empty() {
        return Err("no faces given".into());
    }
    let pixels = weights_check::pixels(&faces)?;
    let n = faces.len() as i64;
    tch::Tensor::from_slice(&pixels).view([n, 3, 224, 224]).write_npy(&out)?;
    println!("{}", weights::fetch::sha256_hex(&pixels));
    Ok(())
}

#[path = "../tests/common/check.rs"]
mod weights_check;
