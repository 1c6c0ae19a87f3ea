//! Decoding and resizing: JPEG files -> one `u8` buffer in NCHW order, decoded on every core and
//! cached on disk keyed by (files, sizes, preprocessing), so a second load of the same data is a read.

use std::io::Write;
use std::path::{Path, PathBuf};

use image::imageops::FilterType;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::fingerprint::Fingerprint;
use crate::{DatasetError, Skipped};

/// Colour handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// Three channels, R G B.
    Rgb,
    /// One channel (ITU-R 601 luma, as OpenCV's `COLOR_BGR2GRAY`).
    Gray,
}

impl ColorMode {
    /// Number of channels.
    pub fn channels(self) -> usize {
        match self {
            ColorMode::Rgb => 3,
            ColorMode::Gray => 1,
        }
    }
}

/// The resize filter, named in the experiment so that results can be reproduced exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResizeFilter {
    /// Nearest neighbour.
    Nearest,
    /// Linear (tent) filter, scaled to the reduction: close to OpenCV's INTER_AREA when shrinking.
    Triangle,
    /// Catmull-Rom cubic.
    CatmullRom,
    /// Lanczos with window 3.
    Lanczos3,
}

impl ResizeFilter {
    fn filter_type(self) -> FilterType {
        match self {
            ResizeFilter::Nearest => FilterType::Nearest,
            ResizeFilter::Triangle => FilterType::Triangle,
            ResizeFilter::CatmullRom => FilterType::CatmullRom,
            ResizeFilter::Lanczos3 => FilterType::Lanczos3,
        }
    }
}

/// How images become model input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preprocess {
    /// Output side in pixels (images are square).
    pub size: u32,
    /// RGB or grayscale.
    #[serde(default = "default_color")]
    pub color: ColorMode,
    /// Resize filter.
    #[serde(default = "default_filter")]
    pub filter: ResizeFilter,
}

fn default_color() -> ColorMode {
    ColorMode::Rgb
}
fn default_filter() -> ResizeFilter {
    ResizeFilter::Triangle
}

impl Preprocess {
    /// Bytes per image.
    pub fn image_len(&self) -> usize {
        self.color.channels() * (self.size as usize).pow(2)
    }

    /// Decodes one file into CHW bytes.
    pub fn decode(&self, path: &Path) -> Result<Vec<u8>, DatasetError> {
        let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
        if bytes.is_empty() {
            return Err(DatasetError::Decode { path: path.into(), reason: "empty file (0 bytes)".into() });
        }
        let img = image::load_from_memory(&bytes)
            .map_err(|e| DatasetError::Decode { path: path.into(), reason: e.to_string() })?;
        Ok(self.apply(&img))
    }

    /// Resizes and converts an already decoded image into CHW bytes.
    pub fn apply(&self, img: &image::DynamicImage) -> Vec<u8> {
        let s = self.size;
        let hw = (s * s) as usize;
        match self.color {
            ColorMode::Rgb => {
                let rgb = img.to_rgb8();
                let small = image::imageops::resize(&rgb, s, s, self.filter.filter_type());
                let mut out = vec![0u8; 3 * hw];
                for (i, p) in small.pixels().enumerate() {
                    out[i] = p[0];
                    out[hw + i] = p[1];
                    out[2 * hw + i] = p[2];
                }
                out
            }
            ColorMode::Gray => {
                let gray = img.to_luma8();
                image::imageops::resize(&gray, s, s, self.filter.filter_type()).into_raw()
            }
        }
    }
}

/// Decoded images, NCHW `u8`, in the order of the files they came from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageSet {
    /// Preprocessing that produced them.
    pub preprocess: Preprocess,
    /// `len * image_len` bytes.
    pub pixels: Vec<u8>,
    /// For each input file, whether it decoded (failed ones have no pixels here).
    pub decoded: Vec<bool>,
}

impl ImageSet {
    /// Number of decoded images.
    pub fn len(&self) -> usize {
        self.pixels.len() / self.preprocess.image_len()
    }
    /// Whether no image decoded.
    pub fn is_empty(&self) -> bool {
        self.pixels.is_empty()
    }
    /// The bytes of decoded image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let n = self.preprocess.image_len();
        &self.pixels[i * n..(i + 1) * n]
    }
}

/// Where decoded sets are cached: `$AGELAB_CACHE/tensors`, else `~/.cache/agelab/tensors`.
pub fn default_cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("AGELAB_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("XDG_CACHE_HOME").map(|p| PathBuf::from(p).join("agelab")))
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache/agelab")))?;
    Some(base.join("tensors"))
}

fn cache_key(paths: &[PathBuf], pre: &Preprocess) -> String {
    let mut f = Fingerprint::new();
    f.add(format!("v1 {pre:?}").as_bytes());
    for p in paths {
        f.add(p.as_os_str().as_encoded_bytes());
        let meta = std::fs::metadata(p).ok();
        let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
        let mtime = meta
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        f.add(&len.to_le_bytes());
        f.add(&mtime.to_le_bytes());
    }
    f.finish()
}

/// Decodes `paths` with `pre` on all cores. Files that fail to decode are returned as `Skipped`
/// with the decoder's reason; the rest are kept in order. With `cache`, the result is read from or
/// written to that folder (atomically).
pub fn load(paths: &[PathBuf], pre: &Preprocess, cache: Option<&Path>) -> Result<(ImageSet, Vec<Skipped>), DatasetError> {
    let key = cache_key(paths, pre);
    if let Some(dir) = cache {
        if let Some(set) = read_cache(&dir.join(format!("{key}.bin")), paths.len(), pre) {
            let skipped = failures(paths, &set.decoded);
            return Ok((set, skipped));
        }
    }
    let results: Vec<Result<Vec<u8>, DatasetError>> = paths.par_iter().map(|p| pre.decode(p)).collect();
    let mut pixels = Vec::with_capacity(paths.len() * pre.image_len());
    let mut decoded = Vec::with_capacity(paths.len());
    let mut skipped = Vec::new();
    for (path, r) in paths.iter().zip(results) {
        match r {
            Ok(px) => {
                pixels.extend_from_slice(&px);
                decoded.push(true);
            }
            Err(e) => {
                decoded.push(false);
                skipped.push(Skipped { file: file_name(path), reason: decode_reason(&e) });
            }
        }
    }
    let set = ImageSet { preprocess: *pre, pixels, decoded };
    if let Some(dir) = cache {
        // A cache that cannot be written only costs time next run; the load itself succeeded.
        if let Err(e) = write_cache(dir, &key, &set) {
            eprintln!("warning: image cache not written: {e}");
        }
    }
    Ok((set, skipped))
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

fn decode_reason(e: &DatasetError) -> String {
    match e {
        DatasetError::Decode { reason, .. } => format!("cannot decode: {reason}"),
        other => other.to_string(),
    }
}

fn failures(paths: &[PathBuf], decoded: &[bool]) -> Vec<Skipped> {
    paths
        .iter()
        .zip(decoded)
        .filter(|(_, ok)| !**ok)
        .map(|(p, _)| Skipped { file: file_name(p), reason: "cannot decode (cached result)".into() })
        .collect()
}

const MAGIC: &[u8; 8] = b"AGELABv1";

fn read_cache(path: &Path, n: usize, pre: &Preprocess) -> Option<ImageSet> {
    let bytes = std::fs::read(path).ok()?;
    let body = bytes.strip_prefix(MAGIC.as_slice())?;
    if body.len() < n {
        return None;
    }
    let (flags, pixels) = body.split_at(n);
    let decoded: Vec<bool> = flags.iter().map(|&b| b == 1).collect();
    let count = decoded.iter().filter(|d| **d).count();
    if pixels.len() != count * pre.image_len() {
        return None;
    }
    Some(ImageSet { preprocess: *pre, pixels: pixels.to_vec(), decoded })
}

fn write_cache(dir: &Path, key: &str, set: &ImageSet) -> Result<(), DatasetError> {
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Write { path: dir.into(), source: e })?;
    let path = dir.join(format!("{key}.bin"));
    let tmp = dir.join(format!("{key}.bin.tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
        f.write_all(MAGIC)?;
        f.write_all(&set.decoded.iter().map(|&d| d as u8).collect::<Vec<u8>>())?;
        f.write_all(&set.pixels)?;
        f.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        std::fs::rename(&tmp, &path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        DatasetError::Write { path: path.clone(), source: e }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_jpeg(path: &Path, w: u32, h: u32) {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 10) as u8, (y * 10) as u8, 128]));
        img.save(path).unwrap();
    }

    #[test]
    fn decodes_resizes_and_reports_bad_files() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.jpg");
        write_jpeg(&good, 20, 20);
        let empty = dir.path().join("empty.jpg");
        std::fs::write(&empty, b"").unwrap();
        let trunc = dir.path().join("trunc.jpg");
        let bytes = std::fs::read(&good).unwrap();
        std::fs::write(&trunc, &bytes[..bytes.len() / 3]).unwrap();
        let text = dir.path().join("text.jpg");
        std::fs::write(&text, b"hello, not an image").unwrap();

        let pre = Preprocess { size: 8, color: ColorMode::Rgb, filter: ResizeFilter::Triangle };
        let paths = vec![good.clone(), empty, trunc, text, good];
        let (set, skipped) = load(&paths, &pre, None).unwrap();
        assert_eq!(set.len(), 2);
        assert_eq!(set.decoded, vec![true, false, false, false, true]);
        assert_eq!(skipped.len(), 3);
        assert!(skipped[0].reason.contains("empty file"), "{:?}", skipped[0]);
        assert!(skipped.iter().all(|s| s.reason.starts_with("cannot decode") || s.reason.contains("empty")));
        // gradient in x -> red grows along a row
        let img = set.image(0);
        assert!(img[7] > img[0]);
    }

    #[test]
    fn cache_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jpg");
        write_jpeg(&a, 16, 16);
        let pre = Preprocess { size: 4, color: ColorMode::Gray, filter: ResizeFilter::Triangle };
        let cache = dir.path().join("cache");
        let (first, _) = load(&[a.clone()], &pre, Some(&cache)).unwrap();
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
        let (second, _) = load(&[a], &pre, Some(&cache)).unwrap();
        assert_eq!(first, second);
        assert_eq!(second.image(0).len(), 16);
    }
}
