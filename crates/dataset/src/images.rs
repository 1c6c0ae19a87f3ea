//! Decoding and resizing: JPEG files -> one `u8` buffer in NCHW order, decoded on every core and
//! cached on disk keyed by (files, sizes, preprocessing), so a second load of the same data is a read.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use fast_image_resize as fir;
use image::metadata::Orientation;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use zune_jpeg::zune_core::bytestream::ZCursor;
use zune_jpeg::zune_core::colorspace::ColorSpace;
use zune_jpeg::zune_core::options::DecoderOptions;

use crate::fingerprint::Fingerprint;
use crate::{DatasetError, Skipped};

/// Colour handling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// Three channels, R G B.
    Rgb,
    /// One channel: ITU-R 601 luma, as OpenCV's `COLOR_BGR2GRAY` (for JPEGs, the decoded Y plane).
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
///
/// Resizing is done by `fast_image_resize` (SIMD); its convolution kernels widen with the
/// reduction, as the `image` crate's do, so `triangle` gives the same pixels as the `image` crate
/// to within 0.1 grey level on average. Against OpenCV's `INTER_AREA` (the report's resize) at
/// 32x32 on UTKFace, `area` differs by 0.9 grey levels on average and `triangle` by 1.7
/// (see the crate README).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ResizeFilter {
    /// Nearest neighbour.
    Nearest,
    /// Linear (tent) filter, scaled to the reduction (the default; a little smoother than INTER_AREA).
    Triangle,
    /// Catmull-Rom cubic.
    CatmullRom,
    /// Lanczos with window 3.
    Lanczos3,
    /// Box filter scaled to the reduction: the mean of the source pixels an output pixel covers,
    /// which is what OpenCV's INTER_AREA computes when shrinking (the report's choice).
    Area,
}

impl ResizeFilter {
    fn algorithm(self) -> fir::ResizeAlg {
        use fir::{FilterType, ResizeAlg};
        match self {
            ResizeFilter::Nearest => ResizeAlg::Nearest,
            ResizeFilter::Triangle => ResizeAlg::Convolution(FilterType::Bilinear),
            ResizeFilter::CatmullRom => ResizeAlg::Convolution(FilterType::CatmullRom),
            ResizeFilter::Lanczos3 => ResizeAlg::Convolution(FilterType::Lanczos3),
            ResizeFilter::Area => ResizeAlg::Convolution(FilterType::Box),
        }
    }
}

/// Per-channel means (R, G, B) that Levi & Hassner subtract from 0-255 pixels: the channel means
/// of their Adience mean image (`mean.binaryproto`), as OpenCV's age/gender samples pass them to
/// `blobFromImage` in B, G, R order (78.43, 87.77, 114.90).
pub const LEVI_HASSNER_MEAN_RGB: [f32; 3] = [114.895_85, 87.768_91, 78.426_34];

/// The same means seen through ITU-R 601 luma, for grayscale input.
pub const LEVI_HASSNER_MEAN_GRAY: f32 =
    0.299 * LEVI_HASSNER_MEAN_RGB[0] + 0.587 * LEVI_HASSNER_MEAN_RGB[1] + 0.114 * LEVI_HASSNER_MEAN_RGB[2];

/// How `u8` pixels become the floats a model sees. It is applied per batch by the runner (the
/// cache keeps `u8`), so it is not part of [`Preprocess`] and does not change the cache key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Normalize {
    /// `x / 255`, into [0, 1] (the report's scaling).
    #[default]
    Unit,
    /// `x - mean[c]` on the 0-255 scale, with [`LEVI_HASSNER_MEAN_RGB`] (Caffe-style, as Levi & Hassner).
    LeviHassner,
}

impl Normalize {
    /// Per-channel `(mean, scale)`: the float value is `(x - mean) * scale`.
    pub fn mean_scale(self, color: ColorMode) -> Vec<(f32, f32)> {
        match (self, color) {
            (Normalize::Unit, c) => vec![(0.0, 1.0 / 255.0); c.channels()],
            (Normalize::LeviHassner, ColorMode::Rgb) => LEVI_HASSNER_MEAN_RGB.iter().map(|&m| (m, 1.0)).collect(),
            (Normalize::LeviHassner, ColorMode::Gray) => vec![(LEVI_HASSNER_MEAN_GRAY, 1.0)],
        }
    }

    /// Converts CHW `u8` images (any number of them, back to back) into `out`.
    ///
    /// # Panics
    /// If `out` and `chw` differ in length or the length is not a multiple of `channels * hw`.
    pub fn apply(self, color: ColorMode, hw: usize, chw: &[u8], out: &mut [f32]) {
        let ms = self.mean_scale(color);
        let plane = hw;
        assert_eq!(chw.len(), out.len(), "normalize: input and output lengths differ");
        assert!(
            plane > 0 && chw.len().is_multiple_of(plane * ms.len()),
            "normalize: length is not a whole number of images"
        );
        for (k, (src, dst)) in chw.chunks_exact(plane).zip(out.chunks_exact_mut(plane)).enumerate() {
            let (mean, scale) = ms[k % ms.len()];
            for (s, d) in src.iter().zip(dst) {
                *d = (*s as f32 - mean) * scale;
            }
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

/// Buffers one decoding thread reuses from image to image (no allocation per image).
#[derive(Default)]
pub struct Scratch {
    resizer: fir::Resizer,
    decoded: Vec<u8>,
    small: Vec<u8>,
}

impl Scratch {
    /// Empty buffers; they grow to the largest image seen.
    pub fn new() -> Self {
        Self::default()
    }
}

fn decode_error(path: &Path, reason: impl Into<String>) -> DatasetError {
    DatasetError::Decode { path: path.into(), reason: one_line(&reason.into()) }
}

/// Decoder messages on one line: some carry newlines (or Debug-escaped `\n`s) that would break a
/// log line or a CSV note.
fn one_line(reason: &str) -> String {
    reason.replace("\\n", " ").split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Reads a whole photo (JPEG, PNG; CMYK, 16-bit, palette or with alpha), turned upright as its
/// EXIF orientation says: a phone photo stored sideways comes out as it was taken. This is the one
/// place photos are read whole (predict, evaluate on photos, face detection, report grids); the
/// training path, [`Preprocess::decode_into`], decodes the same way.
pub fn open_photo(path: &Path) -> Result<image::DynamicImage, DatasetError> {
    let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
    decode_photo(&bytes).map_err(|e| decode_error(path, e))
}

/// [`open_photo`] on many files, decoded on every core, in order.
pub fn open_photos(paths: &[PathBuf]) -> Vec<Result<image::DynamicImage, DatasetError>> {
    paths.par_iter().map(|p| open_photo(p)).collect()
}

/// [`open_photo`] on bytes held in memory.
pub fn decode_photo(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    if bytes.is_empty() {
        return Err("empty file (0 bytes)".into());
    }
    if is_jpeg(bytes) {
        let mut buf = Vec::new();
        let (w, h) = decode_jpeg(bytes, ColorMode::Rgb, &mut buf)?;
        let img = image::RgbImage::from_raw(w, h, buf).ok_or("JPEG decoded to the wrong number of bytes")?;
        return Ok(image::DynamicImage::ImageRgb8(img));
    }
    // Not a JPEG: let `image` guess (PNG in practice); its errors say what the file is not.
    let reader =
        image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format().map_err(|e| e.to_string())?;
    let mut decoder = reader.into_decoder().map_err(|e| e.to_string())?;
    use image::ImageDecoder;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut img = image::DynamicImage::from_decoder(decoder).map_err(|e| e.to_string())?;
    img.apply_orientation(orientation);
    Ok(img)
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8])
}

impl Preprocess {
    /// Bytes per image.
    pub fn image_len(&self) -> usize {
        self.color.channels() * (self.size as usize).pow(2)
    }

    /// Decodes one file into CHW bytes.
    pub fn decode(&self, path: &Path) -> Result<Vec<u8>, DatasetError> {
        let mut out = vec![0u8; self.image_len()];
        self.decode_into(path, &mut Scratch::new(), &mut out)?;
        Ok(out)
    }

    /// Decodes one file into `out` (`image_len()` bytes, CHW), reusing `scratch`.
    pub fn decode_into(&self, path: &Path, scratch: &mut Scratch, out: &mut [u8]) -> Result<(), DatasetError> {
        let bytes = std::fs::read(path).map_err(|e| DatasetError::io(path, e))?;
        self.decode_bytes_into(&bytes, path, scratch, out)
    }

    /// Decodes an encoded image held in memory (`path` only names it in errors).
    pub fn decode_bytes_into(
        &self,
        bytes: &[u8],
        path: &Path,
        scratch: &mut Scratch,
        out: &mut [u8],
    ) -> Result<(), DatasetError> {
        if out.len() != self.image_len() {
            return Err(decode_error(
                path,
                format!("output buffer holds {} bytes, expected {}", out.len(), self.image_len()),
            ));
        }
        if bytes.is_empty() {
            return Err(decode_error(path, "empty file (0 bytes)"));
        }
        let channels = self.color.channels();
        let (w, h) = if is_jpeg(bytes) {
            decode_jpeg(bytes, self.color, &mut scratch.decoded).map_err(|e| decode_error(path, e))?
        } else {
            let img = decode_photo(bytes).map_err(|e| decode_error(path, e))?;
            to_interleaved(&img, self.color, &mut scratch.decoded)
        };
        let need = w as usize * h as usize * channels;
        self.resize_to_chw(&scratch.decoded[..need], w, h, &mut scratch.resizer, &mut scratch.small, out)
            .map_err(|e| decode_error(path, e))
    }

    /// Resizes and converts an already decoded image into CHW bytes.
    pub fn apply(&self, img: &image::DynamicImage) -> Vec<u8> {
        let mut scratch = Scratch::new();
        let (w, h) = to_interleaved(img, self.color, &mut scratch.decoded);
        let mut out = vec![0u8; self.image_len()];
        let need = w as usize * h as usize * self.color.channels();
        if self
            .resize_to_chw(&scratch.decoded[..need], w, h, &mut scratch.resizer, &mut scratch.small, &mut out)
            .is_err()
        {
            // Only an empty (0-pixel) image gets here; it becomes black.
            out.fill(0);
        }
        out
    }

    /// Interleaved `w x h` pixels -> `size x size` CHW in `out`.
    fn resize_to_chw(
        &self,
        src: &[u8],
        w: u32,
        h: u32,
        resizer: &mut fir::Resizer,
        small: &mut Vec<u8>,
        out: &mut [u8],
    ) -> Result<(), String> {
        let c = self.color.channels();
        let s = self.size;
        let pixel = if c == 3 { fir::PixelType::U8x3 } else { fir::PixelType::U8 };
        let hwc: &[u8] = if (w, h) == (s, s) {
            src
        } else {
            let src = fir::images::ImageRef::new(w, h, src, pixel).map_err(|e| format!("{w}x{h} image: {e}"))?;
            small.resize(self.image_len(), 0);
            let mut dst = fir::images::Image::from_slice_u8(s, s, small, pixel).map_err(|e| e.to_string())?;
            let options = fir::ResizeOptions::new().resize_alg(self.filter.algorithm());
            resizer.resize(&src, &mut dst, &options).map_err(|e| format!("resize {w}x{h} -> {s}x{s}: {e}"))?;
            small
        };
        if c == 1 {
            out.copy_from_slice(hwc);
        } else {
            let hw = (s * s) as usize;
            let (r, rest) = out.split_at_mut(hw);
            let (g, b) = rest.split_at_mut(hw);
            for (i, px) in hwc.chunks_exact(3).enumerate() {
                r[i] = px[0];
                g[i] = px[1];
                b[i] = px[2];
            }
        }
        Ok(())
    }
}

/// Decodes a JPEG straight into RGB or luma (`image` would decode, then copy into an `RgbImage`).
/// Strict mode: a truncated or corrupt stream is an error, not a grey-filled picture.
fn decode_jpeg(bytes: &[u8], color: ColorMode, buf: &mut Vec<u8>) -> Result<(u32, u32), String> {
    let space = match color {
        ColorMode::Rgb => ColorSpace::RGB,
        ColorMode::Gray => ColorSpace::Luma,
    };
    let options = DecoderOptions::default()
        .set_strict_mode(true)
        .set_max_width(1 << 16)
        .set_max_height(1 << 16)
        .jpeg_set_out_colorspace(space);
    let mut decoder = zune_jpeg::JpegDecoder::new_with_options(ZCursor::new(bytes), options);
    let bad = |e: zune_jpeg::errors::DecodeErrors| format!("corrupt or truncated JPEG ({e})");
    decoder.decode_headers().map_err(bad)?;
    let (w, h) = decoder.dimensions().ok_or("JPEG without dimensions")?;
    let len = decoder.output_buffer_size().ok_or("JPEG too large")?;
    if len == 0 {
        return Err("JPEG with no pixels (0x0)".into());
    }
    let orientation = decoder.exif().and_then(|exif| Orientation::from_exif_chunk(exif));
    buf.resize(len, 0);
    decoder.decode_into(&mut buf[..len]).map_err(bad)?;
    match orientation {
        Some(o) if o != Orientation::NoTransforms => Ok(orient(buf, w as u32, h as u32, color, o)),
        _ => Ok((w as u32, h as u32)),
    }
}

/// Turns decoded interleaved pixels as an EXIF orientation says; returns the new (width, height).
/// Only photos that carry a turn pay for the copy.
fn orient(buf: &mut Vec<u8>, w: u32, h: u32, color: ColorMode, o: Orientation) -> (u32, u32) {
    let raw = std::mem::take(buf);
    let mut img = match color {
        ColorMode::Rgb => image::RgbImage::from_raw(w, h, raw).map(image::DynamicImage::ImageRgb8),
        ColorMode::Gray => image::GrayImage::from_raw(w, h, raw).map(image::DynamicImage::ImageLuma8),
    }
    .expect("the decoder filled w * h * channels bytes");
    img.apply_orientation(o);
    let (w, h) = (img.width(), img.height());
    *buf = img.into_bytes();
    (w, h)
}

/// Any decoded image -> interleaved RGB or ITU-R 601 luma in `buf`; returns (width, height).
fn to_interleaved(img: &image::DynamicImage, color: ColorMode, buf: &mut Vec<u8>) -> (u32, u32) {
    let rgb = img.to_rgb8();
    let (w, h) = rgb.dimensions();
    buf.clear();
    match color {
        ColorMode::Rgb => buf.extend_from_slice(rgb.as_raw()),
        ColorMode::Gray => buf.extend(
            rgb.pixels().map(|p| ((299 * p[0] as u32 + 587 * p[1] as u32 + 114 * p[2] as u32 + 500) / 1000) as u8),
        ),
    }
    (w, h)
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
    // v3: EXIF orientation applied (v2: fast_image_resize + zune-jpeg, v1: the image crate's resize).
    let stamps: Vec<(u64, u128)> = paths
        .par_iter()
        .map(|p| {
            let meta = std::fs::metadata(p).ok();
            let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            let mtime = meta
                .and_then(|m| m.modified().ok())
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            (len, mtime)
        })
        .collect();
    let mut f = Fingerprint::new();
    f.add(format!("v3 {pre:?}").as_bytes());
    for (p, (len, mtime)) in paths.iter().zip(stamps) {
        f.add(p.as_os_str().as_encoded_bytes());
        f.add(&len.to_le_bytes());
        f.add(&mtime.to_le_bytes());
    }
    f.finish()
}

/// Decodes `paths` with `pre` on all cores. Files that fail to decode are returned as `Skipped`
/// with the decoder's reason; the rest are kept in order. With `cache`, the result is read from or
/// written to that folder (atomically).
pub fn load(
    paths: &[PathBuf],
    pre: &Preprocess,
    cache: Option<&Path>,
) -> Result<(ImageSet, Vec<Skipped>), DatasetError> {
    let key = cache_key(paths, pre);
    if let Some(dir) = cache {
        if let Some(set) = read_cache(&dir.join(format!("{key}.bin")), paths.len(), pre) {
            let skipped = failures(paths, &set.decoded);
            return Ok((set, skipped));
        }
    }
    let (set, skipped) = decode_all(paths, pre);
    if let Some(dir) = cache {
        // A cache that cannot be written only costs time next run; the load itself succeeded.
        if let Err(e) = write_cache(dir, &key, &set) {
            eprintln!("warning: image cache not written: {e}");
        }
    }
    Ok((set, skipped))
}

/// Decodes every file straight into its slot of one buffer (one scratch per thread), then closes
/// the gaps the failures left.
pub fn decode_all(paths: &[PathBuf], pre: &Preprocess) -> (ImageSet, Vec<Skipped>) {
    let len = pre.image_len();
    let mut pixels = vec![0u8; paths.len() * len];
    let results: Vec<Result<(), DatasetError>> = pixels
        .par_chunks_mut(len.max(1))
        .zip(paths.par_iter())
        .map_init(Scratch::new, |scratch, (out, path)| pre.decode_into(path, scratch, out))
        .collect();
    let mut decoded = Vec::with_capacity(paths.len());
    let mut skipped = Vec::new();
    let mut kept = 0;
    for (i, (path, r)) in paths.iter().zip(results).enumerate() {
        match r {
            Ok(()) => {
                if kept != i {
                    pixels.copy_within(i * len..(i + 1) * len, kept * len);
                }
                kept += 1;
                decoded.push(true);
            }
            Err(e) => {
                decoded.push(false);
                skipped.push(Skipped { file: file_name(path), reason: decode_reason(&e) });
            }
        }
    }
    pixels.truncate(kept * len);
    (ImageSet { preprocess: *pre, pixels, decoded }, skipped)
}

fn file_name(p: &Path) -> String {
    p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| p.display().to_string())
}

fn decode_reason(e: &DatasetError) -> String {
    match e {
        DatasetError::Decode { reason, .. } => format!("cannot decode: {reason}"),
        DatasetError::Io { source, .. } => format!("cannot read: {source}"),
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

const MAGIC: &[u8; 8] = b"AGELABv2";

/// Reads a cache file straight into the pixel buffer (one copy from the page cache); any mismatch
/// in size means "not cached".
fn read_cache(path: &Path, n: usize, pre: &Preprocess) -> Option<ImageSet> {
    let mut file = std::fs::File::open(path).ok()?;
    let total = file.metadata().ok()?.len() as usize;
    let mut head = vec![0u8; MAGIC.len() + n];
    file.read_exact(&mut head).ok()?;
    let flags = head.strip_prefix(MAGIC.as_slice())?;
    let decoded: Vec<bool> = flags.iter().map(|&b| b == 1).collect();
    let count = decoded.iter().filter(|d| **d).count();
    let want = count * pre.image_len();
    if total != head.len() + want {
        return None;
    }
    let mut pixels = vec![0u8; want];
    file.read_exact(&mut pixels).ok()?;
    Some(ImageSet { preprocess: *pre, pixels, decoded })
}

fn write_cache(dir: &Path, key: &str, set: &ImageSet) -> Result<(), DatasetError> {
    std::fs::create_dir_all(dir).map_err(|e| DatasetError::Write { path: dir.into(), source: e })?;
    let path = dir.join(format!("{key}.bin"));
    let tmp = dir.join(format!("{key}.bin.tmp{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = std::fs::File::create(&tmp)?;
        let mut head = MAGIC.to_vec();
        head.extend(set.decoded.iter().map(|&d| d as u8));
        f.write_all(&head)?;
        f.write_all(&set.pixels)?;
        f.sync_all()?;
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
        let (first, _) = load(std::slice::from_ref(&a), &pre, Some(&cache)).unwrap();
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 1);
        let (second, _) = load(&[a], &pre, Some(&cache)).unwrap();
        assert_eq!(first, second);
        assert_eq!(second.image(0).len(), 16);
    }

    #[test]
    fn gray_is_601_luma_for_jpeg_and_png_alike() {
        let dir = tempfile::tempdir().unwrap();
        let red = image::RgbImage::from_pixel(16, 16, image::Rgb([200, 40, 40]));
        let jpg = dir.path().join("red.jpg");
        let png = dir.path().join("red.png");
        red.save(&jpg).unwrap();
        red.save(&png).unwrap();
        let pre = Preprocess { size: 4, color: ColorMode::Gray, filter: ResizeFilter::Area };
        let want = (0.299 * 200.0 + 0.587 * 40.0 + 0.114 * 40.0) as i32; // 87
        for p in [&jpg, &png] {
            let px = pre.decode(p).unwrap();
            assert_eq!(px.len(), 16);
            assert!(px.iter().all(|&v| (v as i32 - want).abs() <= 3), "{p:?}: {px:?}");
        }
        let rgb = Preprocess { size: 4, color: ColorMode::Rgb, filter: ResizeFilter::Nearest }.decode(&png).unwrap();
        assert_eq!((rgb[0], rgb[16], rgb[32]), (200, 40, 40));
    }

    #[test]
    fn corrupt_truncated_and_foreign_files_say_why() {
        let dir = tempfile::tempdir().unwrap();
        let good = dir.path().join("good.jpg");
        let img =
            image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8]));
        img.save(&good).unwrap();
        let bytes = std::fs::read(&good).unwrap();
        let cut = dir.path().join("cut.jpg");
        std::fs::write(&cut, &bytes[..bytes.len() * 9 / 10]).unwrap();
        let headless = dir.path().join("headless.jpg");
        std::fs::write(&headless, &bytes[..2]).unwrap();
        let foreign = dir.path().join("notes.jpg");
        std::fs::write(&foreign, b"%PDF-1.4 not a picture").unwrap();
        let missing = dir.path().join("missing.jpg");
        let pre = Preprocess { size: 8, color: ColorMode::Rgb, filter: ResizeFilter::Triangle };
        let paths = vec![cut, headless, good.clone(), foreign, missing];
        let (set, skipped) = load(&paths, &pre, None).unwrap();
        assert_eq!(set.decoded, vec![false, false, true, false, false]);
        assert_eq!(set.pixels, pre.decode(&good).unwrap(), "the good image moved to the front");
        let reasons: Vec<(&str, &str)> = skipped.iter().map(|s| (s.file.as_str(), s.reason.as_str())).collect();
        assert_eq!(reasons[0].0, "cut.jpg");
        assert!(reasons[0].1.contains("corrupt or truncated JPEG"), "{reasons:?}");
        assert!(reasons[1].1.contains("corrupt or truncated JPEG"), "{reasons:?}");
        assert!(reasons[2].1.starts_with("cannot decode: "), "{reasons:?}");
        assert!(reasons[3].1.starts_with("cannot read: "), "{reasons:?}");
        let err = pre.decode(&paths[0]).unwrap_err().to_string();
        assert!(err.contains("cut.jpg"), "{err}");
    }

    #[test]
    fn the_cache_notices_a_changed_file() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.jpg");
        write_jpeg(&a, 16, 16);
        let pre = Preprocess { size: 4, color: ColorMode::Rgb, filter: ResizeFilter::Triangle };
        let cache = dir.path().join("cache");
        let (first, _) = load(std::slice::from_ref(&a), &pre, Some(&cache)).unwrap();
        image::RgbImage::from_pixel(20, 20, image::Rgb([9, 9, 9])).save(&a).unwrap();
        let (second, _) = load(std::slice::from_ref(&a), &pre, Some(&cache)).unwrap();
        assert_ne!(first, second);
        assert_eq!(std::fs::read_dir(&cache).unwrap().count(), 2);
        // A damaged cache file is ignored, not trusted.
        for entry in std::fs::read_dir(&cache).unwrap() {
            std::fs::write(entry.unwrap().path(), b"AGELABv2\x01short").unwrap();
        }
        let (third, _) = load(&[a], &pre, Some(&cache)).unwrap();
        assert_eq!(third, second);
    }

    /// Whether a CHW RGB image is red on top and blue below (the halves picture turned by 90°).
    fn red_above_blue(chw: &[u8], side: usize) -> bool {
        let px = |x: usize, y: usize| {
            (chw[y * side + x], chw[side * side + y * side + x], chw[2 * side * side + y * side + x])
        };
        let (top, bottom) = (px(side / 2, 0), px(side / 2, side - 1));
        top.0 > 200 && top.2 < 60 && bottom.2 > 200 && bottom.0 < 60
    }

    #[test]
    fn exif_orientation_turns_photos_upright_in_every_path() {
        // Stored 40x20, left red, right blue; Orientation 6 = turn 90° clockwise to view, so the
        // photo as taken is 20x40 with red on top.
        let bytes = testenv::photos::jpeg_with_orientation(40, 20, 6);
        let img = decode_photo(&bytes).unwrap();
        assert_eq!((img.width(), img.height()), (20, 40));
        let rgb = img.to_rgb8();
        assert!(rgb.get_pixel(10, 2)[0] > 200 && rgb.get_pixel(10, 37)[2] > 200, "red on top, blue below");
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sideways.jpg");
        std::fs::write(&path, &bytes).unwrap();
        assert_eq!(open_photo(&path).unwrap(), img);
        // the training path turns it the same way, in colour and in gray
        let pre = Preprocess { size: 8, color: ColorMode::Rgb, filter: ResizeFilter::Nearest };
        assert!(red_above_blue(&pre.decode(&path).unwrap(), 8));
        let gray = Preprocess { color: ColorMode::Gray, ..pre }.decode(&path).unwrap();
        assert!(gray[4] > gray[7 * 8 + 4] + 20, "red (luma 76) above blue (luma 29): {gray:?}");
        // without the tag it stays as stored: red left
        std::fs::write(&path, testenv::photos::jpeg(40, 20)).unwrap();
        assert!(!red_above_blue(&pre.decode(&path).unwrap(), 8));
        // every orientation value gives the size as taken
        for o in 1..=8u16 {
            let img = decode_photo(&testenv::photos::jpeg_with_orientation(40, 20, o)).unwrap();
            let turned = o >= 5;
            assert_eq!(img.width(), if turned { 20 } else { 40 }, "orientation {o}");
        }
    }

    #[test]
    fn cmyk_16_bit_and_palette_photos_decode_to_their_colours() {
        let dir = tempfile::tempdir().unwrap();
        let photos = [
            ("cmyk.jpg", testenv::photos::cmyk_jpeg(32, 16)),
            ("deep.png", testenv::photos::png16(32, 16)),
            ("palette.png", testenv::photos::palette_png(32, 16)),
        ];
        let pre = Preprocess { size: 8, color: ColorMode::Rgb, filter: ResizeFilter::Nearest };
        for (name, bytes) in photos {
            let path = dir.path().join(name);
            std::fs::write(&path, &bytes).unwrap();
            let img = open_photo(&path).unwrap_or_else(|e| panic!("{name}: {e}")).to_rgb8();
            assert_eq!(img.dimensions(), (32, 16), "{name}");
            let (left, right) = (img.get_pixel(4, 8), img.get_pixel(28, 8));
            assert!(left[0] > 200 && left[2] < 60, "{name}: left is red, got {left:?}");
            assert!(right[2] > 200 && right[0] < 60, "{name}: right is blue, got {right:?}");
            let chw = pre.decode(&path).unwrap();
            assert!(chw[8 * 4] > 200 && chw[2 * 64 + 8 * 4 + 7] > 200, "{name}: {chw:?}");
        }
    }

    #[test]
    fn decode_errors_are_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = testenv::photos::jpeg(64, 64);
        for (name, cut) in
            [("cut.jpg", &bytes[..bytes.len() / 2]), ("head.jpg", &bytes[..40]), ("x.png", &b"\x89PNG\r\n"[..])]
        {
            let path = dir.path().join(name);
            std::fs::write(&path, cut).unwrap();
            for err in [
                open_photo(&path).unwrap_err(),
                Preprocess { size: 8, color: ColorMode::Rgb, filter: ResizeFilter::Nearest }.decode(&path).unwrap_err(),
            ] {
                let text = err.to_string();
                assert!(!text.contains('\n') && !text.contains("\\n"), "{name}: {text:?}");
                assert!(text.contains(name), "{text}");
            }
        }
    }

    #[test]
    fn normalize_unit_and_levi_hassner() {
        let px = [0u8, 255, 115, 88, 78, 255];
        let mut out = [0f32; 6];
        Normalize::Unit.apply(ColorMode::Rgb, 2, &px, &mut out);
        assert_eq!((out[0], out[1]), (0.0, 1.0));
        Normalize::LeviHassner.apply(ColorMode::Rgb, 2, &px, &mut out);
        assert!((out[2] - (115.0 - 87.768_91)).abs() < 1e-4); // the green plane starts at 2
        assert!((out[0] + 114.895_85).abs() < 1e-4);
        assert!((out[3] - (88.0 - 87.768_91)).abs() < 1e-4);
        assert!((out[4] - (78.0 - 78.426_34)).abs() < 1e-4);
        assert_eq!(Normalize::LeviHassner.mean_scale(ColorMode::Gray).len(), 1);
        assert!((LEVI_HASSNER_MEAN_GRAY - 94.8).abs() < 0.1);
        let n: Normalize = serde_json::from_str("\"levi_hassner\"").unwrap();
        assert_eq!(n, Normalize::LeviHassner);
        assert_eq!(Normalize::default(), Normalize::Unit);
    }
}
