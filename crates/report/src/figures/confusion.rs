//! Confusion matrix of a classification head: counts and row-normalised panels.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{bold, font, render_png, text_w, DrawResult, AXIS_DESC_PX, LABEL_PX, TITLE_PX};
use crate::ReportError;

/// ColorBrewer "Blues", a sequential scale readable with colour-vision deficiencies.
const BLUES: [(u8, u8, u8); 9] = [
    (0xF7, 0xFB, 0xFF),
    (0xDE, 0xEB, 0xF7),
    (0xC6, 0xDB, 0xEF),
    (0x9E, 0xCA, 0xE1),
    (0x6B, 0xAE, 0xD6),
    (0x42, 0x92, 0xC6),
    (0x21, 0x71, 0xB5),
    (0x08, 0x51, 0x9C),
    (0x08, 0x30, 0x6B),
];

/// The colour of `t` in 0..1 on the Blues scale.
fn blues(t: f64) -> RGBColor {
    let t = if t.is_finite() { t.clamp(0.0, 1.0) } else { 0.0 };
    let x = t * (BLUES.len() - 1) as f64;
    let i = (x.floor() as usize).min(BLUES.len() - 2);
    let f = x - i as f64;
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * f).round() as u8;
    let (a, b) = (BLUES[i], BLUES[i + 1]);
    RGBColor(lerp(a.0, b.0), lerp(a.1, b.1), lerp(a.2, b.2))
}

/// Narrowest panel, so that the panel titles fit.
const MIN_PANEL_W: i32 = 640;

/// Geometry shared by both panels.
struct Layout {
    n: usize,
    cell: i32,
    cell_font: u32,
    label_w: i32,
    rotate_x: bool,
    top: i32,
    bottom: i32,
    left: i32,
}

/// Draws the confusion matrix (`rows` = true class, columns = predicted) of head `head`.
pub(crate) fn confusion_matrix(
    path: &Path,
    head: &str,
    classes: &[String],
    confusion: &[Vec<u64>],
) -> Result<(), ReportError> {
    let n = classes.len().max(1);
    let cell = (600 / n as i32).clamp(34, 120);
    let cell_font = ((f64::from(cell) * 0.24) as u32).clamp(11, 24);
    let label_w = classes.iter().map(|c| text_w(c, LABEL_PX)).max().unwrap_or(0).clamp(30, 260);
    let rotate_x = label_w > cell - 6;
    let top = 110;
    let bottom = 30 + if rotate_x { label_w } else { LABEL_PX as i32 + 10 } + 50;
    let natural_left = 50 + label_w + 16;
    let natural_w = natural_left + cell * n as i32 + 50;
    // Wide enough for the panel titles; the matrix is centred in any extra room.
    let panel_w = natural_w.max(MIN_PANEL_W);
    let left = natural_left + (panel_w - natural_w) / 2;
    let lay = Layout { n, cell, cell_font, label_w, rotate_x, top, bottom, left };
    let width = (panel_w * 2) as u32;
    let height = (top + cell * n as i32 + bottom) as u32;
    let total: u64 = confusion.iter().flatten().sum();

    render_png(path, (width, height), |root| {
        root.draw(&Text::new(
            format!("Confusion matrix: head \"{head}\" (test set, {total} faces)"),
            (width as i32 / 2, 28),
            bold(TITLE_PX).pos(Pos::new(HPos::Center, VPos::Center)),
        ))?;
        let (left_area, right_area) = root.split_horizontally(panel_w);
        let max = confusion.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
        draw_matrix(&left_area, &lay, "Counts", classes, |i, j| {
            let v = cell_value(confusion, i, j);
            (v as f64 / max, v.to_string())
        })?;
        draw_matrix(&right_area, &lay, "Row-normalised (share of the true class)", classes, |i, j| {
            let row: u64 = confusion.get(i).map_or(0, |r| r.iter().sum());
            if row == 0 {
                return (0.0, "-".to_owned());
            }
            let f = cell_value(confusion, i, j) as f64 / row as f64;
            (f, format!("{:.0}%", f * 100.0))
        })?;
        Ok(())
    })
}

fn cell_value(m: &[Vec<u64>], i: usize, j: usize) -> u64 {
    m.get(i).and_then(|r| r.get(j)).copied().unwrap_or(0)
}

fn draw_matrix(
    area: &DrawingArea<BitMapBackend<'_>, Shift>,
    lay: &Layout,
    title: &str,
    classes: &[String],
    value: impl Fn(usize, usize) -> (f64, String),
) -> DrawResult {
    let (n, cell) = (lay.n as i32, lay.cell);
    let (x0, y0) = (lay.left, lay.top);
    let side = n * cell;
    let center = Pos::new(HPos::Center, VPos::Center);
    area.draw(&Text::new(title.to_owned(), (x0 + side / 2, 78), font(AXIS_DESC_PX).pos(center)))?;
    for i in 0..lay.n {
        for j in 0..lay.n {
            let (t, text) = value(i, j);
            let (cx, cy) = (x0 + j as i32 * cell, y0 + i as i32 * cell);
            area.draw(&Rectangle::new([(cx, cy), (cx + cell, cy + cell)], blues(t).filled()))?;
            area.draw(&Rectangle::new([(cx, cy), (cx + cell, cy + cell)], WHITE.stroke_width(1)))?;
            let color = if t > 0.55 { WHITE } else { BLACK };
            area.draw(&Text::new(text, (cx + cell / 2, cy + cell / 2), font(lay.cell_font).color(&color).pos(center)))?;
        }
    }
    area.draw(&Rectangle::new([(x0, y0), (x0 + side, y0 + side)], BLACK.stroke_width(1)))?;
    // Class names: true classes down the left, predicted classes along the bottom.
    for (k, name) in classes.iter().enumerate() {
        let mid = k as i32 * cell + cell / 2;
        area.draw(&Text::new(
            name.clone(),
            (x0 - 10, y0 + mid),
            font(LABEL_PX).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        if lay.rotate_x {
            area.draw(&Text::new(
                name.clone(),
                (x0 + mid, y0 + side + 10),
                font(LABEL_PX).transform(FontTransform::Rotate270).pos(Pos::new(HPos::Right, VPos::Center)),
            ))?;
        } else {
            area.draw(&Text::new(
                name.clone(),
                (x0 + mid, y0 + side + 10),
                font(LABEL_PX).pos(Pos::new(HPos::Center, VPos::Top)),
            ))?;
        }
    }
    let x_title_y = y0 + side + lay.bottom - 40;
    area.draw(&Text::new("predicted class".to_owned(), (x0 + side / 2, x_title_y), font(AXIS_DESC_PX).pos(center)))?;
    area.draw(&Text::new(
        "true class".to_owned(),
        (x0 - lay.label_w - 36, y0 + side / 2),
        font(AXIS_DESC_PX).transform(FontTransform::Rotate270).pos(center),
    ))?;
    Ok(())
}
