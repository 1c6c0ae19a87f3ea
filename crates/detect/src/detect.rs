//! The multi-scale scan: OpenCV's `detectMultiScaleNoGrouping` (image pyramid, window
//! stepping, stripes) followed by grouping and clipping, plus the optional `max_side` shrink.

use std::borrow::Cow;

use image::GrayImage;
use rayon::prelude::*;

use crate::eval::{Compiled, Outcome};
use crate::group::{group_rectangles, Rect};
use crate::integral::Integral;
use crate::resize::{resize_area, resize_linear};
use crate::{Cascade, DetectError, DetectParams, Detection};

/// OpenCV's `GROUP_EPS`.
const GROUP_EPS: f64 = 0.2;

/// Rows per parallel task within one pyramid level.
const ROWS_PER_TASK: usize = 8;

/// One pyramid level: its scale and the size of the shrunken image.
struct Level {
    scale: f32,
    width: usize,
    height: usize,
}

/// Checks the parameters the way OpenCV asserts them, but as an error.
pub(crate) fn validate(params: &DetectParams) -> Result<(), DetectError> {
    let bad = |what: String| Err(DetectError::InvalidParams { what });
    if !(params.scale_factor > 1.0 && params.scale_factor.is_finite()) {
        return bad(format!("scale_factor must be > 1, got {}", params.scale_factor));
    }
    if params.max_side == Some(0) {
        return bad("max_side must be > 0".to_string());
    }
    Ok(())
}

/// Full detection on a grayscale image: optional `max_side` shrink, scan, grouping,
/// and mapping back to the input's coordinates.
pub(crate) fn detect_gray(
    cascade: &Cascade,
    gray: &GrayImage,
    params: &DetectParams,
) -> Result<Vec<Detection>, DetectError> {
    validate(params)?;
    let (w, h) = (gray.width() as usize, gray.height() as usize);
    if w == 0 || h == 0 {
        return Ok(Vec::new());
    }
    // Shrink huge inputs, remembering the ratio to map boxes back; otherwise borrow the input.
    let long = w.max(h);
    let (pixels, dw, dh, ratio) = match params.max_side {
        Some(m) if long > m as usize => {
            let r = long as f64 / m as f64;
            let dw = ((w as f64 / r).round() as usize).max(1);
            let dh = ((h as f64 / r).round() as usize).max(1);
            (Cow::Owned(resize_area(gray.as_raw(), w, h, dw, dh)), dw, dh, r)
        }
        _ => (Cow::Borrowed(gray.as_raw().as_slice()), w, h, 1.0),
    };
    let to_det = |v: u32| -> usize { (v as f64 / ratio).round() as usize };
    let min_size = (to_det(params.min_size.0), to_det(params.min_size.1));
    let max_size = params.max_size.map(|(a, b)| (to_det(a), to_det(b)));

    let candidates = scan(cascade, &pixels, dw, dh, params.scale_factor, min_size, max_size, params.parallel);
    let grouped = group_rectangles(&candidates, params.min_neighbors, GROUP_EPS);

    // OpenCV's clipObjects (intersection with the image), then back to input coordinates.
    let mut out = Vec::with_capacity(grouped.len());
    for (r, n) in grouped {
        let x0 = r.x.max(0) as f64;
        let y0 = r.y.max(0) as f64;
        let x1 = (r.x + r.w).min(dw as i32) as f64;
        let y1 = (r.y + r.h).min(dh as i32) as f64;
        if x1 <= x0 || y1 <= y0 {
            continue;
        }
        let (bx0, by0) = ((x0 * ratio).round(), (y0 * ratio).round());
        let (bx1, by1) = ((x1 * ratio).round().min(w as f64), (y1 * ratio).round().min(h as f64));
        out.push(Detection {
            x: bx0 as u32,
            y: by0 as u32,
            width: (bx1 - bx0) as u32,
            height: (by1 - by0) as u32,
            neighbors: n,
        });
    }
    Ok(out)
}

/// The pyramid levels OpenCV would use: factors 1, s, s², … (in f64, stored as f32), keeping
/// those whose rounded window fits `min_size..=max_size` and the image.
fn levels(
    cascade: &Cascade,
    w: usize,
    h: usize,
    scale_factor: f64,
    min: (usize, usize),
    max: Option<(usize, usize)>,
) -> Vec<Level> {
    let (ww, wh) = (cascade.window.0 as f64, cascade.window.1 as f64);
    let max = match max {
        Some((a, b)) if a > 0 && b > 0 => (a, b),
        _ => (w, h),
    };
    let mut out = Vec::new();
    let mut factor = 1.0f64;
    loop {
        let win_w = (ww * factor).round_ties_even() as usize;
        let win_h = (wh * factor).round_ties_even() as usize;
        if win_w > max.0 || win_h > max.1 || win_w > w || win_h > h {
            break;
        }
        if win_w >= min.0 && win_h >= min.1 {
            let scale = factor as f32;
            // `cvRound(imgsz.width / sc)`: an int divided by a float, in float.
            let width = (w as f32 / scale).round_ties_even() as usize;
            let height = (h as f32 / scale).round_ties_even() as usize;
            out.push(Level { scale, width, height });
        }
        factor *= scale_factor;
    }
    out
}

/// All candidate windows before grouping, in OpenCV's single-thread order
/// (level by level, row by row).
#[allow(clippy::too_many_arguments)]
fn scan(
    cascade: &Cascade,
    pixels: &[u8],
    w: usize,
    h: usize,
    scale_factor: f64,
    min: (usize, usize),
    max: Option<(usize, usize)>,
    parallel: bool,
) -> Vec<Rect> {
    let levels = levels(cascade, w, h, scale_factor, min, max);
    let Some(first) = levels.first() else {
        return Vec::new();
    };
    let (ww, wh) = (cascade.window.0 as usize, cascade.window.1 as usize);
    // One stride for every level (the first level is the widest), so the features are
    // compiled once, as OpenCV does with its shared sum buffer.
    let stride = first.width + 1;
    let compiled = Compiled::new(cascade, stride);
    // OpenCV splits each level into `nstripes` horizontal stripes, with nstripes taken from
    // the first level's width; rows past nstripes * stripeSize are never scanned.
    let nstripes = (first.width + 1).saturating_sub(ww).div_ceil(32);
    if nstripes == 0 {
        return Vec::new();
    }

    let run_level = |lv: &Level| -> Vec<Rect> {
        let img = resize_linear(pixels, w, h, lv.width, lv.height);
        let ii = Integral::with_stride(&img, lv.width, lv.height, stride);
        let ystep = if lv.scale >= 2.0 { 1 } else { 2 };
        let work_w = (lv.width + 1).saturating_sub(ww);
        let work_h = (lv.height + 1).saturating_sub(wh);
        let stripe = ((work_h / ystep).div_ceil(nstripes)).max(1) * ystep;
        let y_end = work_h.min(nstripes * stripe);
        let win_w = (ww as f32 * lv.scale).round_ties_even() as i32;
        let win_h = (wh as f32 * lv.scale).round_ties_even() as i32;
        let ys: Vec<usize> = (0..y_end).step_by(ystep).collect();
        let scan_rows = |rows: &[usize]| -> Vec<Rect> {
            let mut found = Vec::new();
            for &y in rows {
                let mut x = 0;
                while x < work_w {
                    match compiled.run_at(&ii, x, y) {
                        Outcome::Accept => found.push(Rect {
                            x: (x as f32 * lv.scale).round_ties_even() as i32,
                            y: (y as f32 * lv.scale).round_ties_even() as i32,
                            w: win_w,
                            h: win_h,
                        }),
                        // OpenCV jumps over the next position after a first-stage rejection.
                        Outcome::RejectFirst => x += ystep,
                        Outcome::Reject => {}
                    }
                    x += ystep;
                }
            }
            found
        };
        if parallel {
            ys.par_chunks(ROWS_PER_TASK).map(scan_rows).flatten().collect()
        } else {
            scan_rows(&ys)
        }
    };

    if parallel {
        levels.par_iter().map(run_level).flatten().collect()
    } else {
        levels.iter().flat_map(run_level).collect()
    }
}
