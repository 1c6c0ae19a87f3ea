//! A grid of test faces with their true and predicted labels, right in one colour and wrong in
//! another (and a tick or a cross, so that colour is never the only cue).

use std::path::Path;

use plotters::prelude::*;

use super::{font, render_png_over, text_w, BLUE_OI, GREY, LABEL_PX, VERMILLION};
use crate::ReportError;

/// One label line under a face: text and whether the prediction is right.
pub(crate) struct TileLine {
    pub text: String,
    pub right: bool,
}

/// One face of the grid.
pub(crate) struct Tile {
    pub face: image::RgbImage,
    /// What the file name says of the face (age, gender), in grey above the predictions.
    pub caption: String,
    pub lines: Vec<TileLine>,
}

/// Side of a face in the grid, in pixels.
pub(crate) const FACE_PX: u32 = 150;
const COLUMNS: u32 = 6;
const GAP: u32 = 14;
const LINE_H: u32 = 26;

/// Draws `tiles` in rows of six and writes the grid to `path`.
pub(crate) fn face_grid(path: &Path, tiles: &[Tile]) -> Result<(), ReportError> {
    let lines = tiles.iter().map(|t| t.lines.len()).max().unwrap_or(0) as u32;
    // Wide enough for the longest label line ("\u{2713} age_group: 26-39 \u{2192} 15-25").
    let longest = tiles
        .iter()
        .flat_map(|t| {
            t.lines
                .iter()
                .map(|l| text_w(&format!("\u{2713} {}", l.text), LABEL_PX))
                .chain([text_w(&t.caption, LABEL_PX)])
        })
        .max()
        .unwrap_or(0);
    let tile_w = (FACE_PX + 20).max(longest.max(0) as u32 + 8);
    let tile_h = FACE_PX + 8 + (lines + 1) * LINE_H;
    let rows = (tiles.len() as u32).div_ceil(COLUMNS).max(1);
    let cols = (tiles.len() as u32).clamp(1, COLUMNS);
    let (w, h) = (GAP + cols * (tile_w + GAP), GAP + rows * (tile_h + GAP));
    let mut base = image::RgbImage::from_pixel(w, h, image::Rgb([255, 255, 255]));
    let origin = |i: usize| {
        let (c, r) = (i as u32 % COLUMNS, i as u32 / COLUMNS);
        (GAP + c * (tile_w + GAP), GAP + r * (tile_h + GAP))
    };
    for (i, t) in tiles.iter().enumerate() {
        let (x, y) = origin(i);
        let face = image::imageops::resize(&t.face, FACE_PX, FACE_PX, image::imageops::FilterType::Triangle);
        image::imageops::overlay(&mut base, &face, i64::from(x + (tile_w - FACE_PX) / 2), i64::from(y));
    }
    render_png_over(path, base, |root| {
        for (i, t) in tiles.iter().enumerate() {
            let (x, y) = origin(i);
            let (x, y) = (x as i32, y as i32);
            let fx = x + ((tile_w - FACE_PX) / 2) as i32;
            let frame = if t.lines.iter().all(|l| l.right) { BLUE_OI } else { VERMILLION };
            root.draw(&Rectangle::new(
                [(fx - 2, y - 2), (fx + FACE_PX as i32 + 1, y + FACE_PX as i32 + 1)],
                frame.stroke_width(3),
            ))?;
            let text_y = y + FACE_PX as i32 + 8;
            root.draw(&Text::new(t.caption.clone(), (x + 4, text_y), font(LABEL_PX).color(&GREY)))?;
            for (k, line) in t.lines.iter().enumerate() {
                let color = if line.right { BLUE_OI } else { VERMILLION };
                let mark = if line.right { "\u{2713}" } else { "\u{2717}" };
                let ty = text_y + (k as i32 + 1) * LINE_H as i32;
                root.draw(&Text::new(format!("{mark} {}", line.text), (x + 4, ty), font(LABEL_PX).color(&color)))?;
            }
        }
        Ok(())
    })
}
