//! Reads OpenCV's new-style cascade XML (what `opencv_traincascade` writes and what
//! `CascadeClassifierImpl::Data::read` plus `HaarEvaluator::read` accept).
//!
//! Numbers are read as `f64` and narrowed to `f32` like OpenCV's `(float)` casts, so the
//! thresholds compare bit-for-bit the same way.

use roxmltree::{Document, Node as XmlNode};

use crate::cascade::{Cascade, HaarFeature, Node, Stage, Tree, WinRect};
use crate::error::DetectError;

/// OpenCV's `THRESHOLD_EPS`: subtracted from every stage threshold at load time.
const THRESHOLD_EPS: f32 = 1e-5;

/// Parser state: just the name to put in error messages.
struct Ctx<'a> {
    source: &'a str,
}

impl Ctx<'_> {
    fn missing(&self, element: &str, context: &str) -> DetectError {
        DetectError::MissingElement {
            source_name: self.source.to_string(),
            element: element.to_string(),
            context: context.to_string(),
        }
    }

    fn invalid(&self, element: &str, context: &str, message: impl Into<String>) -> DetectError {
        DetectError::InvalidValue {
            source_name: self.source.to_string(),
            element: element.to_string(),
            context: context.to_string(),
            message: message.into(),
        }
    }

    fn unsupported(&self, what: impl Into<String>) -> DetectError {
        DetectError::Unsupported { source_name: self.source.to_string(), what: what.into() }
    }

    /// The first child element called `name`, or a `MissingElement` error.
    fn child<'a, 'i>(&self, node: XmlNode<'a, 'i>, name: &str, context: &str) -> Result<XmlNode<'a, 'i>, DetectError> {
        child(node, name).ok_or_else(|| self.missing(name, context))
    }

    /// The whitespace-separated tokens of a required child element.
    fn tokens<'a>(&self, node: XmlNode<'a, '_>, name: &str, context: &str) -> Result<Vec<&'a str>, DetectError> {
        let n = self.child(node, name, context)?;
        Ok(n.text().unwrap_or("").split_whitespace().collect())
    }

    /// A single integer child element.
    fn int(&self, node: XmlNode<'_, '_>, name: &str, context: &str) -> Result<i64, DetectError> {
        let toks = self.tokens(node, name, context)?;
        match toks.as_slice() {
            [t] => parse_int(t).ok_or_else(|| self.invalid(name, context, format!("{t:?} is not an integer"))),
            _ => Err(self.invalid(name, context, format!("expected one integer, found {} values", toks.len()))),
        }
    }

    /// A single real-valued child element, narrowed to `f32` as OpenCV does.
    fn real(&self, node: XmlNode<'_, '_>, name: &str, context: &str) -> Result<f32, DetectError> {
        let toks = self.tokens(node, name, context)?;
        match toks.as_slice() {
            [t] => parse_real(t).ok_or_else(|| self.invalid(name, context, format!("{t:?} is not a number"))),
            _ => Err(self.invalid(name, context, format!("expected one number, found {} values", toks.len()))),
        }
    }

    /// The text of a required child element, trimmed.
    fn text<'a>(&self, node: XmlNode<'a, '_>, name: &str, context: &str) -> Result<&'a str, DetectError> {
        Ok(self.child(node, name, context)?.text().unwrap_or("").trim())
    }
}

fn child<'a, 'i>(node: XmlNode<'a, 'i>, name: &str) -> Option<XmlNode<'a, 'i>> {
    node.children().find(|c| c.is_element() && c.has_tag_name(name))
}

/// The `<_>` items of a sequence node, in order.
fn items<'a, 'i>(node: XmlNode<'a, 'i>) -> impl Iterator<Item = XmlNode<'a, 'i>> {
    node.children().filter(|c| c.is_element())
}

/// OpenCV writes integers plainly but reads them from any number; accept `3` and `3.`.
fn parse_int(t: &str) -> Option<i64> {
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    let f = t.parse::<f64>().ok()?;
    (f.fract() == 0.0 && f.abs() < 1e15).then_some(f as i64)
}

fn parse_real(t: &str) -> Option<f32> {
    let v = t.parse::<f64>().ok()?;
    v.is_finite().then_some(v as f32)
}

/// Parses a whole cascade document; `source` names it in errors.
pub(crate) fn parse_cascade(text: &str, source: &str) -> Result<Cascade, DetectError> {
    let cx = Ctx { source };
    let doc = Document::parse(text)
        .map_err(|e| DetectError::BadXml { source_name: source.to_string(), message: e.to_string() })?;
    let storage = doc.root_element();
    if !storage.has_tag_name("opencv_storage") {
        return Err(cx.missing("opencv_storage", "document root"));
    }
    // The cascade is the first top-level node, whatever its name (OpenCV reads
    // `getFirstTopLevelNode()`); usually `<cascade>`.
    let root = items(storage).next().ok_or_else(|| cx.missing("cascade", "<opencv_storage>"))?;
    if root.attribute("type_id") == Some("opencv-haar-classifier") {
        return Err(cx.unsupported(
            "old-style cascade format (type_id=\"opencv-haar-classifier\"); \
             only the new format written by opencv_traincascade is read",
        ));
    }
    let ctx_root = format!("<{}>", root.tag_name().name());

    let stage_type = cx.text(root, "stageType", &ctx_root)?;
    if stage_type != "BOOST" {
        return Err(cx.unsupported(format!("stage type {stage_type:?} (only BOOST)")));
    }
    let feature_type = cx.text(root, "featureType", &ctx_root)?;
    if feature_type != "HAAR" {
        return Err(cx.unsupported(format!("feature type {feature_type:?} (only HAAR)")));
    }
    let width = cx.int(root, "width", &ctx_root)?;
    let height = cx.int(root, "height", &ctx_root)?;
    if !(3..=4096).contains(&width) || !(3..=4096).contains(&height) {
        return Err(cx.invalid("width", &ctx_root, format!("window {width}x{height} is not usable")));
    }
    let (width, height) = (width as u32, height as u32);

    let feature_params = cx.child(root, "featureParams", &ctx_root)?;
    if let Some(n) = child(feature_params, "maxCatCount") {
        let v = n.text().unwrap_or("0").trim();
        if parse_int(v) != Some(0) {
            return Err(cx.unsupported(format!("categorical features (maxCatCount = {v})")));
        }
    }

    let features = parse_features(&cx, root, &ctx_root, (width, height))?;

    let stages_node = cx.child(root, "stages", &ctx_root)?;
    let mut stages = Vec::new();
    let mut trees = Vec::new();
    let mut nodes = Vec::new();
    let mut leaves = Vec::new();
    for (si, stage) in items(stages_node).enumerate() {
        let sctx = format!("stage {si}");
        let threshold = cx.real(stage, "stageThreshold", &sctx)? - THRESHOLD_EPS;
        let weak = cx.child(stage, "weakClassifiers", &sctx)?;
        let first_tree = trees.len() as u32;
        for (wi, w) in items(weak).enumerate() {
            let wctx = format!("stage {si}, weak classifier {wi}");
            let inner = cx.tokens(w, "internalNodes", &wctx)?;
            let leaf_toks = cx.tokens(w, "leafValues", &wctx)?;
            if inner.is_empty() || inner.len() % 4 != 0 {
                return Err(cx.invalid(
                    "internalNodes",
                    &wctx,
                    format!("{} values; expected groups of 4 (left right featureIdx threshold)", inner.len()),
                ));
            }
            let node_count = inner.len() / 4;
            if leaf_toks.len() != node_count + 1 {
                return Err(cx.invalid(
                    "leafValues",
                    &wctx,
                    format!("{} values for {node_count} nodes; expected {}", leaf_toks.len(), node_count + 1),
                ));
            }
            let tree =
                Tree { node_start: nodes.len() as u32, node_count: node_count as u32, leaf_start: leaves.len() as u32 };
            for (ni, q) in inner.chunks_exact(4).enumerate() {
                let bad = |what: &str| cx.invalid("internalNodes", &wctx, format!("node {ni}: {what}"));
                let left = parse_int(q[0]).ok_or_else(|| bad("left is not an integer"))?;
                let right = parse_int(q[1]).ok_or_else(|| bad("right is not an integer"))?;
                let feature = parse_int(q[2]).ok_or_else(|| bad("featureIdx is not an integer"))?;
                let threshold = parse_real(q[3]).ok_or_else(|| bad("threshold is not a number"))?;
                for (name, link) in [("left", left), ("right", right)] {
                    // > 0: another node of this tree; <= 0: leaf number -link.
                    let ok = if link > 0 { (link as usize) < node_count } else { ((-link) as usize) <= node_count };
                    if !ok {
                        return Err(bad(&format!("{name} = {link} points outside the tree")));
                    }
                }
                if feature < 0 || feature as usize >= features.len() {
                    return Err(bad(&format!("featureIdx {feature} not in 0..{}", features.len())));
                }
                nodes.push(Node { left: left as i32, right: right as i32, feature: feature as u32, threshold });
            }
            for t in &leaf_toks {
                let v =
                    parse_real(t).ok_or_else(|| cx.invalid("leafValues", &wctx, format!("{t:?} is not a number")))?;
                leaves.push(v);
            }
            trees.push(tree);
        }
        let tree_count = trees.len() as u32 - first_tree;
        if tree_count == 0 {
            return Err(cx.missing("_", &format!("{sctx}: <weakClassifiers> is empty")));
        }
        stages.push(Stage { first_tree, tree_count, threshold });
    }
    if stages.is_empty() {
        return Err(cx.missing("_", "<stages> is empty"));
    }

    Ok(Cascade { source_name: source.to_string(), window: (width, height), stages, trees, nodes, leaves, features })
}

/// Reads `<features>`: each `<_>` has `<rects>` of "x y w h weight" items and an optional
/// `<tilted>` flag. Tilted (45°) features are refused: they need OpenCV's rotated integral,
/// which this detector does not build (the frontal-face cascades have none).
fn parse_features(
    cx: &Ctx<'_>,
    root: XmlNode<'_, '_>,
    ctx_root: &str,
    window: (u32, u32),
) -> Result<Vec<HaarFeature>, DetectError> {
    let features_node = cx.child(root, "features", ctx_root)?;
    let mut features = Vec::new();
    for (fi, f) in items(features_node).enumerate() {
        let fctx = format!("feature {fi}");
        if let Some(t) = child(f, "tilted") {
            let v = t.text().unwrap_or("0").trim();
            match parse_int(v) {
                Some(0) => {}
                Some(_) => {
                    return Err(cx.unsupported(format!("tilted Haar features (feature {fi} has <tilted>{v}</tilted>)")))
                }
                None => return Err(cx.invalid("tilted", &fctx, format!("{v:?} is not an integer"))),
            }
        }
        let rects = cx.child(f, "rects", &fctx)?;
        let mut feature = HaarFeature { rects: [WinRect { x: 0, y: 0, w: 0, h: 0 }; 3], weights: [0.0; 3] };
        let mut count = 0;
        for (ri, r) in items(rects).enumerate() {
            let rctx = format!("feature {fi}, rect {ri}");
            if ri >= 3 {
                return Err(cx.invalid("rects", &fctx, "more than 3 rectangles"));
            }
            let toks: Vec<&str> = r.text().unwrap_or("").split_whitespace().collect();
            if toks.len() != 5 {
                return Err(cx.invalid(
                    "_",
                    &rctx,
                    format!("expected \"x y w h weight\", found {} values", toks.len()),
                ));
            }
            let mut v = [0i64; 4];
            for (k, t) in toks[..4].iter().enumerate() {
                v[k] = parse_int(t).ok_or_else(|| cx.invalid("_", &rctx, format!("{t:?} is not an integer")))?;
            }
            let weight = parse_real(toks[4])
                .ok_or_else(|| cx.invalid("_", &rctx, format!("weight {:?} is not a number", toks[4])))?;
            let [x, y, w, h] = v;
            if x < 0 || y < 0 || w < 0 || h < 0 || x + w > window.0 as i64 || y + h > window.1 as i64 {
                return Err(cx.invalid(
                    "_",
                    &rctx,
                    format!("rectangle {x} {y} {w} {h} leaves the {}x{} window", window.0, window.1),
                ));
            }
            feature.rects[ri] = WinRect { x: x as u32, y: y as u32, w: w as u32, h: h as u32 };
            feature.weights[ri] = weight;
            count += 1;
        }
        if count == 0 {
            return Err(cx.invalid("rects", &fctx, "no rectangles"));
        }
        features.push(feature);
    }
    if features.is_empty() {
        return Err(cx.missing("_", "<features> is empty"));
    }
    Ok(features)
}
