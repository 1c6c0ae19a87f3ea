//! Annotated photos: a box and a label per detected face, drawn over the photo itself.

use std::path::Path;

use plotters::prelude::*;

use super::{font, render_png_over, OKABE_ITO};
use crate::ReportError;

/// One face to mark: its box in pixels and its label ("Female, 25-32 (0.87)").
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// Text drawn above (or below) the box; each `\n` starts a new line.
    pub label: String,
}

/// Draws `marks` on a copy of `photo` and writes it to `path` as PNG, atomically.
pub fn annotate(photo: &image::RgbImage, marks: &[Mark], path: &Path) -> Result<(), ReportError> {
    let (w, h) = photo.dimensions();
    render_png_over(path, photo.clone(), |root| {
        let px = (h.max(w) / 40).clamp(14, 48);
        let thick = (px / 6).max(2);
        let colour = OKABE_ITO[1];
        for m in marks {
            let (x0, y0) = (m.x as i32, m.y as i32);
            let (x1, y1) = ((m.x + m.width) as i32, (m.y + m.height) as i32);
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], colour.stroke_width(thick)))?;
            // One line of text per '\n'-separated part, stacked above the box (below it when
            // the photo's top edge leaves no room), so labels of neighbouring faces overlap less.
            let lines: Vec<&str> = m.label.lines().collect();
            let longest = lines.iter().map(|l| l.chars().count()).max().unwrap_or(0) as u32;
            let text_w = (longest * px * 55 / 100 + 8) as i32;
            let line_h = px as i32 + 4;
            let text_h = line_h * lines.len() as i32 + 2;
            let ty = if y0 >= text_h { y0 - text_h } else { y1 };
            root.draw(&Rectangle::new([(x0, ty), (x0 + text_w, ty + text_h)], colour.filled()))?;
            for (i, line) in lines.iter().enumerate() {
                root.draw(&Text::new(line.to_string(), (x0 + 4, ty + 3 + line_h * i as i32), font(px)))?;
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_boxes_and_labels() {
        let dir = tempfile::tempdir().unwrap();
        let photo = image::RgbImage::from_pixel(200, 150, image::Rgb([200, 200, 200]));
        let path = dir.path().join("a.png");
        let marks = [Mark { x: 40, y: 50, width: 60, height: 60, label: "Female, 25-32 (0.87)".into() }];
        annotate(&photo, &marks, &path).unwrap();
        let out = image::open(&path).unwrap().to_rgb8();
        assert_eq!(out.dimensions(), (200, 150));
        assert_ne!(out.get_pixel(40, 80), &image::Rgb([200, 200, 200]), "box edge drawn");
        assert_eq!(out.get_pixel(70, 80), &image::Rgb([200, 200, 200]), "inside untouched");
    }
}
