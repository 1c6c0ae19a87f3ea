//! Decodes photos with agelab's decoder for the MTCNN check (bench/check_mtcnn.sh): JPEG
//! decoders differ by a few levels per pixel, so facenet-pytorch must see the pixels agelab
//! sees. Each photo becomes `OUT_DIR/<i>.npy`, a `u8` array `[height, width, 3]` (RGB), `i`
//! counting from 0 in argument order.
//!
//!     cargo run -p detect --example mtcnn_photos -- OUT_DIR PHOTO...

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1).map(PathBuf::from);
    let out = args.next().ok_or("usage: mtcnn_photos OUT_DIR PHOTO...")?;
    for (i, photo) in args.enumerate() {
        let img = image::open(&photo).map_err(|e| format!("{}: {e}", photo.display()))?.to_rgb8();
        let (w, h) = img.dimensions();
        tch::Tensor::from_slice(img.as_raw()).view([h as i64, w as i64, 3]).write_npy(out.join(format!("{i}.npy")))?;
    }
    Ok(())
}
