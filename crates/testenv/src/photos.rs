//! Photos in the awkward formats real files come in, made in memory by the tests that probe the
//! decoders: a JPEG stored sideways with an EXIF orientation, a CMYK JPEG (as print workflows
//! write), a 16-bit PNG and a palette PNG. Each shows a known picture: the left half red, the
//! right half blue (for the EXIF photo, as stored, before turning).

use image::{ImageEncoder, Rgb, RgbImage};

/// The test picture: `w x h`, left half pure red, right half pure blue.
pub fn halves(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, _| if x < w / 2 { Rgb([255, 0, 0]) } else { Rgb([0, 0, 255]) })
}

/// A baseline JPEG of [`halves`] (quality 95).
pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 95)
        .write_image(halves(w, h).as_raw(), w, h, image::ExtendedColorType::Rgb8)
        .expect("JPEG encodes");
    out
}

/// The EXIF APP1 segment (marker included) of a big-endian TIFF block holding one tag,
/// Orientation (0x0112, SHORT) = `orientation`: what a phone writes for a photo it stores
/// sideways (6: turn 90 degrees clockwise to view).
pub fn exif_orientation_segment(orientation: u16) -> Vec<u8> {
    let mut tiff = b"MM\0\x2A".to_vec(); // big-endian TIFF header
    tiff.extend(8u32.to_be_bytes()); // first IFD right after it
    tiff.extend(1u16.to_be_bytes()); // one entry
    tiff.extend(0x0112u16.to_be_bytes()); // Orientation
    tiff.extend(3u16.to_be_bytes()); // SHORT
    tiff.extend(1u32.to_be_bytes()); // one value
    tiff.extend(orientation.to_be_bytes());
    tiff.extend([0, 0]); // padding of the 4-byte value field
    tiff.extend(0u32.to_be_bytes()); // no next IFD
    let mut payload = b"Exif\0\0".to_vec();
    payload.extend(tiff);
    let mut seg = vec![0xFF, 0xE1];
    seg.extend(u16::try_from(payload.len() + 2).expect("short segment").to_be_bytes());
    seg.extend(payload);
    seg
}

/// [`jpeg`] of `w x h` with an EXIF Orientation tag inserted right after the start marker.
pub fn jpeg_with_orientation(w: u32, h: u32, orientation: u16) -> Vec<u8> {
    let plain = jpeg(w, h);
    assert_eq!(&plain[..2], &[0xFF, 0xD8], "a JPEG starts with SOI");
    let mut out = plain[..2].to_vec();
    out.extend(exif_orientation_segment(orientation));
    out.extend(&plain[2..]);
    out
}

/// A four-channel CMYK JPEG (Adobe APP14 marker, inverted values as Photoshop writes them) of
/// [`halves`].
pub fn cmyk_jpeg(w: u16, h: u16) -> Vec<u8> {
    let rgb = halves(u32::from(w), u32::from(h));
    let cmyk: Vec<u8> = rgb
        .pixels()
        .flat_map(|p| {
            let k = 255 - p.0.iter().copied().max().unwrap_or(0);
            let ink = |v: u8| if k == 255 { 0 } else { 255 - v - k };
            [ink(p[0]), ink(p[1]), ink(p[2]), k]
        })
        .collect();
    let mut out = Vec::new();
    jpeg_encoder::Encoder::new(&mut out, 95)
        .encode(&cmyk, w, h, jpeg_encoder::ColorType::Cmyk)
        .expect("CMYK JPEG encodes");
    out
}

/// A 16-bit-per-channel RGB PNG of [`halves`].
pub fn png16(w: u32, h: u32) -> Vec<u8> {
    let rgb = halves(w, h);
    let wide: Vec<u8> = rgb.as_raw().iter().flat_map(|&v| (u16::from(v) * 257).to_be_bytes()).collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Sixteen);
    enc.write_header().expect("PNG header").write_image_data(&wide).expect("PNG data");
    out
}

/// An 8-bit palette PNG of [`halves`] (two palette entries: red and blue).
pub fn palette_png(w: u32, h: u32) -> Vec<u8> {
    let index: Vec<u8> = (0..h).flat_map(|_| (0..w).map(move |x| u8::from(x >= w / 2))).collect();
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Indexed);
    enc.set_depth(png::BitDepth::Eight);
    enc.set_palette(vec![255, 0, 0, 0, 0, 255]);
    enc.write_header().expect("PNG header").write_image_data(&index).expect("PNG data");
    out
}
