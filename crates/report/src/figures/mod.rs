//! PNG figures drawn with plotters into a memory buffer, then written atomically.

pub(crate) mod annotate;
pub(crate) mod calibration;
pub(crate) mod confusion;
pub(crate) mod curves;
pub(crate) mod faces;
pub(crate) mod headline;
pub(crate) mod roc;
pub(crate) mod scatter;

use std::path::Path;
use std::sync::OnceLock;

use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::element::ComposedElement;
use plotters::prelude::*;
use plotters::style::{register_font, FontStyle};

use crate::io::write_atomic;
use crate::ReportError;

/// The font family every figure uses (DejaVu Sans, bundled).
pub(crate) const FONT: &str = "sans-serif";

/// Font sizes in pixels.
pub(crate) const TITLE_PX: u32 = 30;
pub(crate) const AXIS_DESC_PX: u32 = 24;
pub(crate) const LABEL_PX: u32 = 20;
pub(crate) const LEGEND_PX: u32 = 20;

/// The Okabe-Ito colour-blind-safe palette (black first).
pub(crate) const OKABE_ITO: [RGBColor; 8] = [
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xE6, 0x9F, 0x00),
    RGBColor(0x56, 0xB4, 0xE9),
    RGBColor(0x00, 0x9E, 0x73),
    RGBColor(0xF0, 0xE4, 0x42),
    RGBColor(0x00, 0x72, 0xB2),
    RGBColor(0xD5, 0x5E, 0x00),
    RGBColor(0xCC, 0x79, 0xA7),
];
/// Okabe-Ito blue.
pub(crate) const BLUE_OI: RGBColor = OKABE_ITO[5];
/// Okabe-Ito vermillion.
pub(crate) const VERMILLION: RGBColor = OKABE_ITO[6];
/// Mid grey for reference lines.
pub(crate) const GREY: RGBColor = RGBColor(0x70, 0x70, 0x70);

/// Colours for overlaid series, in order (Okabe-Ito without yellow, which is hard to read on white).
pub(crate) const SERIES: [RGBColor; 7] =
    [OKABE_ITO[5], OKABE_ITO[6], OKABE_ITO[3], OKABE_ITO[1], OKABE_ITO[7], OKABE_ITO[2], OKABE_ITO[0]];

static FONT_READY: OnceLock<Result<(), String>> = OnceLock::new();

/// Registers the bundled DejaVu Sans with plotters, once per process.
fn ensure_font() -> Result<(), String> {
    FONT_READY
        .get_or_init(|| {
            register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                .map_err(|_| "bundled DejaVu Sans is not a valid font".to_owned())?;
            register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
                .map_err(|_| "bundled DejaVu Sans Bold is not a valid font".to_owned())
        })
        .clone()
}

/// What drawing code returns; plotters' errors are turned into text.
pub(crate) type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Draws a `width` x `height` figure with `draw` and writes it to `path` as PNG, atomically.
pub(crate) fn render_png(
    path: &Path,
    (width, height): (u32, u32),
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult,
) -> Result<(), ReportError> {
    render_png_over(path, image::RgbImage::from_pixel(width, height, image::Rgb([255, 255, 255])), draw)
}

/// Draws with `draw` over the picture `base` (a photo, a grid of faces) and writes the result to
/// `path` as PNG, atomically.
pub(crate) fn render_png_over(
    path: &Path,
    base: image::RgbImage,
    draw: impl FnOnce(&DrawingArea<BitMapBackend<'_>, Shift>) -> DrawResult,
) -> Result<(), ReportError> {
    let plot_err = |message: String| ReportError::Plot { path: path.to_path_buf(), message };
    ensure_font().map_err(plot_err)?;
    let (width, height) = base.dimensions();
    let mut buf = base.into_raw();
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        draw(&root).map_err(|e| plot_err(e.to_string()))?;
        root.present().map_err(|e| plot_err(e.to_string()))?;
    }
    let img = image::RgbImage::from_raw(width, height, buf)
        .ok_or_else(|| plot_err("pixel buffer has the wrong size".to_owned()))?;
    let mut png = std::io::Cursor::new(Vec::new());
    img.write_to(&mut png, image::ImageFormat::Png).map_err(|e| plot_err(e.to_string()))?;
    write_atomic(path, png.get_ref())
}

/// The element drawn by [`dashed_legend`].
pub(crate) type DashedLegend<DB> = ComposedElement<(i32, i32), DB, PathElement<(i32, i32)>, PathElement<(i32, i32)>>;

/// A legend sample for a dashed line: two short strokes centred on `(x, y)`.
pub(crate) fn dashed_legend<DB: DrawingBackend>((x, y): (i32, i32), color: RGBColor) -> DashedLegend<DB> {
    EmptyElement::at((x, y))
        + PathElement::new(vec![(-14, 0), (-4, 0)], color.stroke_width(2))
        + PathElement::new(vec![(4, 0), (14, 0)], color.stroke_width(2))
}

/// The house style of a chart's mesh (bundled fonts, no minor grid, a faint major grid); callers
/// add their axis titles and labels, then `draw()`.
pub(crate) fn house_mesh<'a, 'b, DB: DrawingBackend>(
    chart: &'b mut ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
) -> MeshStyle<'a, 'b, RangedCoordf64, RangedCoordf64, DB> {
    let mut mesh = chart.configure_mesh();
    mesh.axis_desc_style(font(AXIS_DESC_PX))
        .label_style(font(LABEL_PX))
        .light_line_style(WHITE.mix(0.0))
        .bold_line_style(BLACK.mix(0.12));
    mesh
}

/// The house style of a chart's legend (bundled font, a light box with a thin border) at `position`.
pub(crate) fn house_legend<'a, 'b: 'a>(
    chart: &mut ChartContext<'a, BitMapBackend<'b>, Cartesian2d<RangedCoordf64, RangedCoordf64>>,
    position: SeriesLabelPosition,
) -> DrawResult {
    chart
        .configure_series_labels()
        .position(position)
        .margin(16)
        .label_font(font(LEGEND_PX))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK.mix(0.4))
        .draw()?;
    Ok(())
}

/// Approximate width in pixels of `s` at `px` (DejaVu Sans averages ~0.6 em per character).
pub(crate) fn text_w(s: &str, px: u32) -> i32 {
    (s.chars().count() as f64 * f64::from(px) * 0.62).ceil() as i32
}

/// A text style in the bundled font.
pub(crate) fn font(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().color(&BLACK)
}

/// A bold text style in the bundled font.
pub(crate) fn bold(px: u32) -> TextStyle<'static> {
    (FONT, px).into_font().style(FontStyle::Bold).color(&BLACK)
}

/// `(min, max)` of the finite values, padded by `pad` of the span (or ±0.5 if flat).
pub(crate) fn padded_range(values: impl IntoIterator<Item = f64>, pad: f64) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.into_iter().filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    let span = hi - lo;
    if span <= f64::EPSILON {
        return Some((lo - 0.5, hi + 0.5));
    }
    Some((lo - pad * span, hi + pad * span))
}

/// Formats an axis value for an integer axis: integers only, blank elsewhere.
pub(crate) fn integer_label(x: &f64) -> String {
    if (x - x.round()).abs() < 1e-6 {
        format!("{}", x.round() as i64)
    } else {
        String::new()
    }
}

/// A file-name-safe version of a head name.
pub(crate) fn slug(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect();
    if s.is_empty() {
        "head".to_owned()
    } else {
        s
    }
}
