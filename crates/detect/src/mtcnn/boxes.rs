//! MTCNN's box arithmetic, in `f32` and in the operation order facenet-pytorch uses (its
//! `detect_face.py`), so that every floor, truncation and threshold falls the same way.

/// A candidate window: corners in input pixels, the face probability, and the network's box
/// regression (offsets of the four corners as fractions of the width/height).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Candidate {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
    pub score: f32,
    pub reg: [f32; 4],
}

impl Candidate {
    /// A window without regression (for tests and hand-made cases).
    #[cfg(test)]
    pub fn new(x1: f32, y1: f32, x2: f32, y2: f32, score: f32) -> Self {
        Candidate { x1, y1, x2, y2, score, reg: [0.0; 4] }
    }
}

/// P-Net's stride and window (`generateBoundingBox`).
const STRIDE: f32 = 2.0;
const CELL: f32 = 12.0;

/// P-Net output cells whose face probability is `>= threshold`, as windows in input pixels
/// (`generateBoundingBox`). `probs` and `reg` (4 planes) are row-major `height x width` maps;
/// cells come out in row-major order, as `nonzero()` gives them.
pub(crate) fn generate(
    probs: &[f32],
    reg: &[f32],
    width: usize,
    height: usize,
    scale: f64,
    threshold: f32,
) -> Vec<Candidate> {
    let plane = width * height;
    debug_assert_eq!(probs.len(), plane);
    debug_assert_eq!(reg.len(), 4 * plane);
    // Torch divides the f32 tensor by the Python float rounded to f32.
    let scale = scale as f32;
    let mut out = Vec::new();
    for (i, &p) in probs.iter().enumerate() {
        if p >= threshold {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            out.push(Candidate {
                x1: ((STRIDE * x + 1.0) / scale).floor(),
                y1: ((STRIDE * y + 1.0) / scale).floor(),
                x2: ((STRIDE * x + CELL - 1.0 + 1.0) / scale).floor(),
                y2: ((STRIDE * y + CELL - 1.0 + 1.0) / scale).floor(),
                score: p,
                reg: [reg[i], reg[plane + i], reg[2 * plane + i], reg[3 * plane + i]],
            });
        }
    }
    out
}

/// Indices of `boxes` sorted by descending score, ties in input order (torchvision sorts
/// stably).
fn by_score_descending(boxes: &[Candidate]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| boxes[b].score.total_cmp(&boxes[a].score));
    order
}

/// torchvision's `nms`: greedy by descending score, dropping every box whose IoU with a kept
/// one is `> threshold`; areas without the `+1` pixel. Returns kept indices, best first.
pub(crate) fn nms_iou(boxes: &[Candidate], threshold: f32) -> Vec<usize> {
    let area = |b: &Candidate| (b.x2 - b.x1) * (b.y2 - b.y1);
    let mut suppressed = vec![false; boxes.len()];
    let mut keep = Vec::new();
    let order = by_score_descending(boxes);
    for (n, &i) in order.iter().enumerate() {
        if suppressed[i] {
            continue;
        }
        keep.push(i);
        let a = &boxes[i];
        let area_a = area(a);
        for &j in &order[n + 1..] {
            if suppressed[j] {
                continue;
            }
            let b = &boxes[j];
            let w = (a.x2.min(b.x2) - a.x1.max(b.x1)).max(0.0);
            let h = (a.y2.min(b.y2) - a.y1.max(b.y1)).max(0.0);
            let inter = w * h;
            if inter / (area_a + area(b) - inter) > threshold {
                suppressed[j] = true;
            }
        }
    }
    keep
}

/// facenet-pytorch's `nms_numpy(..., 'Min')` (the last stage's NMS): overlap is the
/// intersection over the smaller box, areas with the `+1` pixel, and a box survives when its
/// overlap is `<= threshold`. Returns kept indices, best first. Like `np.argsort` (stable for
/// the handful of boxes this stage sees) it takes the *last* of equal scores first, which
/// matters: O-Net's probability is often exactly 1.0 for several boxes.
pub(crate) fn nms_min(boxes: &[Candidate], threshold: f32) -> Vec<usize> {
    let area = |b: &Candidate| (b.x2 - b.x1 + 1.0) * (b.y2 - b.y1 + 1.0);
    let mut remaining = ascending(boxes.len(), |i| boxes[i].score);
    let mut keep = Vec::new();
    while let Some((&i, rest)) = remaining.split_last() {
        keep.push(i);
        let a = &boxes[i];
        remaining = rest
            .iter()
            .copied()
            .filter(|&j| {
                let b = &boxes[j];
                let w = (a.x2.min(b.x2) - a.x1.max(b.x1) + 1.0).max(0.0);
                let h = (a.y2.min(b.y2) - a.y1.max(b.y1) + 1.0).max(0.0);
                w * h / area(a).min(area(b)) <= threshold
            })
            .collect();
    }
    keep
}

/// Indices `0..n` by ascending `key`, ties in index order (`np.argsort` on small arrays).
pub(crate) fn ascending(n: usize, key: impl Fn(usize) -> f32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| key(a).total_cmp(&key(b)));
    order
}

/// The first stage's regression: corner offsets scaled by the width/height without `+1`.
pub(crate) fn regress_proposal(b: &Candidate) -> Candidate {
    regress(b, 0.0)
}

/// `bbreg`, the later stages' regression: offsets scaled by the width/height with `+1`.
pub(crate) fn bbreg(b: &Candidate) -> Candidate {
    regress(b, 1.0)
}

/// Corners moved by `reg` times the size (`x2 - x1 + extra`; adding 0.0 changes no value).
fn regress(b: &Candidate, extra: f32) -> Candidate {
    let (w, h) = (b.x2 - b.x1 + extra, b.y2 - b.y1 + extra);
    Candidate {
        x1: b.x1 + b.reg[0] * w,
        y1: b.y1 + b.reg[1] * h,
        x2: b.x2 + b.reg[2] * w,
        y2: b.y2 + b.reg[3] * h,
        ..*b
    }
}

/// `rerec`: the square with the box's centre and its longer side.
pub(crate) fn rerec(b: &Candidate) -> Candidate {
    let (h, w) = (b.y2 - b.y1, b.x2 - b.x1);
    let l = w.max(h);
    let x1 = b.x1 + w * 0.5 - l * 0.5;
    let y1 = b.y1 + h * 0.5 - l * 0.5;
    Candidate { x1, y1, x2: x1 + l, y2: y1 + l, ..*b }
}

/// `pad`: the crop of a box, as 1-based inclusive corners truncated towards zero and clamped
/// to the image (facenet-pytorch crops rows `y-1..ey`, columns `x-1..ex`; nothing is padded).
/// `None` when nothing of the box is inside, which facenet-pytorch would skip.
pub(crate) fn crop_window(b: &Candidate, width: u32, height: u32) -> Option<Crop> {
    let x = (b.x1.trunc() as i64).max(1);
    let y = (b.y1.trunc() as i64).max(1);
    let ex = (b.x2.trunc() as i64).min(width as i64);
    let ey = (b.y2.trunc() as i64).min(height as i64);
    (ey > y - 1 && ex > x - 1).then(|| Crop { x: x - 1, y: y - 1, width: ex - x + 1, height: ey - y + 1 })
}

/// A rectangle of input pixels, 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Crop {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nms_iou_keeps_the_best_of_overlapping_boxes_and_disjoint_ones() {
        let boxes = [
            Candidate::new(0.0, 0.0, 10.0, 10.0, 0.8),
            Candidate::new(1.0, 0.0, 11.0, 10.0, 0.9), // IoU with the first: 90/110 = 0.818
            Candidate::new(20.0, 20.0, 30.0, 30.0, 0.7),
            Candidate::new(5.0, 0.0, 15.0, 10.0, 0.95), // IoU with box 1: 60/140 = 0.43
        ];
        assert_eq!(nms_iou(&boxes, 0.5), vec![3, 1, 2]);
        // At 0.4 box 1 goes too (0.43 > 0.4); box 0 overlaps box 3 by 50/150 = 0.33 and stays.
        assert_eq!(nms_iou(&boxes, 0.4), vec![3, 0, 2]);
        assert!(nms_iou(&[], 0.5).is_empty());
    }

    #[test]
    fn nms_iou_suppresses_only_above_the_threshold() {
        // IoU exactly 0.5 (50/100): kept at 0.5, dropped at 0.49.
        let boxes = [Candidate::new(0.0, 0.0, 10.0, 10.0, 0.9), Candidate::new(0.0, 0.0, 10.0, 5.0, 0.8)];
        assert_eq!(nms_iou(&boxes, 0.5), vec![0, 1]);
        assert_eq!(nms_iou(&boxes, 0.49), vec![0]);
    }

    #[test]
    fn nms_min_divides_by_the_smaller_box_with_the_extra_pixel() {
        // A small box inside a big one: IoU is small, but intersection over the smaller is 1.
        let boxes = [Candidate::new(0.0, 0.0, 99.0, 99.0, 0.9), Candidate::new(10.0, 10.0, 19.0, 19.0, 0.95)];
        assert_eq!(nms_iou(&boxes, 0.7), vec![1, 0]);
        assert_eq!(nms_min(&boxes, 0.7), vec![1]);
        // Touching edges overlap by one pixel column with the +1 convention: 1x10 / 100 = 0.1.
        let touching = [Candidate::new(0.0, 0.0, 9.0, 9.0, 0.5), Candidate::new(9.0, 0.0, 18.0, 9.0, 0.6)];
        assert_eq!(nms_min(&touching, 0.1), vec![1, 0]);
        assert_eq!(nms_min(&touching, 0.09), vec![1]);
        // Equal scores: the later box wins, as with np.argsort.
        let tied = [Candidate::new(0.0, 0.0, 9.0, 9.0, 1.0), Candidate::new(1.0, 1.0, 10.0, 10.0, 1.0)];
        assert_eq!(nms_min(&tied, 0.7), vec![1]);
        // torchvision's sort is stable descending: the earlier box wins there.
        assert_eq!(nms_iou(&tied, 0.5), vec![0]);
    }

    #[test]
    fn generate_maps_cells_to_windows_at_the_scale() {
        // A 3x2 map; cells (x=2, y=0) and (x=1, y=1) pass 0.6, one is exactly at it.
        let probs = [0.1, 0.2, 0.6, 0.3, 0.9, 0.59];
        let mut reg = vec![0.0; 24];
        reg[4] = 0.25; // dx1 of cell (1, 1)
        let c = generate(&probs, &reg, 3, 2, 0.5, 0.6);
        assert_eq!(c.len(), 2);
        // (2*2+1)/0.5 = 10, (2*2+12)/0.5 = 32; y: 1/0.5 = 2, 12/0.5 = 24.
        assert_eq!((c[0].x1, c[0].y1, c[0].x2, c[0].y2, c[0].score), (10.0, 2.0, 32.0, 24.0, 0.6));
        assert_eq!((c[1].x1, c[1].y1, c[1].x2, c[1].y2), (6.0, 6.0, 28.0, 28.0));
        assert_eq!(c[1].reg, [0.25, 0.0, 0.0, 0.0]);
        // Floors: at scale 0.7, 1/0.7 = 1.43 gives 1 and 12/0.7 = 17.1 gives 17.
        let c = generate(&[1.0], &[0.0; 4], 1, 1, 0.7, 0.6);
        assert_eq!((c[0].x1, c[0].x2), (1.0, 17.0));
    }

    #[test]
    fn regressions_scale_by_the_size_with_and_without_the_extra_pixel() {
        let b = Candidate { reg: [0.25, -0.5, 0.125, 0.5], ..Candidate::new(10.0, 20.0, 29.0, 59.0, 0.9) };
        let p = regress_proposal(&b); // w 19, h 39
        assert_eq!((p.x1, p.y1, p.x2, p.y2), (14.75, 0.5, 31.375, 78.5));
        let r = bbreg(&b); // w 20, h 40
        assert_eq!((r.x1, r.y1, r.x2, r.y2), (15.0, 0.0, 31.5, 79.0));
        assert_eq!((r.score, r.reg), (b.score, b.reg));
    }

    #[test]
    fn rerec_squares_around_the_centre() {
        let s = rerec(&Candidate::new(10.0, 20.0, 30.0, 60.0, 0.5)); // 20 wide, 40 high
        assert_eq!((s.x1, s.y1, s.x2, s.y2), (0.0, 20.0, 40.0, 60.0));
        let s = rerec(&Candidate::new(0.0, 0.0, 8.0, 2.0, 0.5));
        assert_eq!((s.x1, s.y1, s.x2, s.y2), (0.0, -3.0, 8.0, 5.0));
    }

    #[test]
    fn crop_window_truncates_and_clamps_to_the_image() {
        let inside = crop_window(&Candidate::new(10.7, 20.2, 30.9, 40.5, 0.5), 100, 100);
        assert_eq!(inside, Some(Crop { x: 9, y: 19, width: 21, height: 21 }));
        // Truncation is towards zero: -3.9 -> -3, clamped to 1.
        let cut = crop_window(&Candidate::new(-3.9, -0.5, 120.0, 50.0, 0.5), 100, 80);
        assert_eq!(cut, Some(Crop { x: 0, y: 0, width: 100, height: 50 }));
        assert_eq!(crop_window(&Candidate::new(-30.0, 5.0, -2.0, 9.0, 0.5), 100, 80), None);
    }
}
