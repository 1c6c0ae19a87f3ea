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
    /// Text drawn above (or inside) the box.
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
            let text_w = (m.label.chars().count() as u32 * px * 55 / 100 + 8) as i32;
            let ty = if y0 >= px as i32 + 6 { y0 - px as i32 - 6 } else { y1 };
            root.draw(&Rectangle::new([(x0, ty), (x0 + text_w, ty + px as i32 + 6)], colour.filled()))?;
            root.draw(&Text::new(m.label.clone(), (x0 + 4, ty + 3), font(px)))?;
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
