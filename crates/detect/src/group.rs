//! Merging overlapping candidate windows into detections, as OpenCV's
//! `groupRectangles(rects, groupThreshold, eps = 0.2)` does after the scan.

/// A rectangle in signed pixel coordinates (candidates may be averaged or clipped later).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rect {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
}

/// OpenCV's `SimilarRects`: every edge within `eps * (mean of the smaller width and height)`.
fn similar(a: &Rect, b: &Rect, eps: f64) -> bool {
    let delta = eps * (a.w.min(b.w) + a.h.min(b.h)) as f64 * 0.5;
    ((a.x - b.x).abs() as f64) <= delta
        && ((a.y - b.y).abs() as f64) <= delta
        && ((a.x + a.w - b.x - b.w).abs() as f64) <= delta
        && ((a.y + a.h - b.y - b.h).abs() as f64) <= delta
}

/// Union-find root with path halving.
fn find(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

/// `cv::partition` with `SimilarRects`: equivalence classes of the transitive closure, labelled
/// in order of each class's first member (the same labels OpenCV produces).
fn partition(rects: &[Rect], eps: f64) -> (Vec<usize>, usize) {
    let n = rects.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for j in i + 1..n {
            if similar(&rects[i], &rects[j], eps) {
                let (ri, rj) = (find(&mut parent, i), find(&mut parent, j));
                if ri != rj {
                    parent[rj.max(ri)] = ri.min(rj);
                }
            }
        }
    }
    let mut label_of_root = vec![usize::MAX; n];
    let mut labels = Vec::with_capacity(n);
    let mut classes = 0;
    for i in 0..n {
        let r = find(&mut parent, i);
        if label_of_root[r] == usize::MAX {
            label_of_root[r] = classes;
            classes += 1;
        }
        labels.push(label_of_root[r]);
    }
    (labels, classes)
}

/// `cvRound` / `saturate_cast<int>` of a float: round half to even.
#[inline]
fn round_f32(v: f32) -> i32 {
    v.round_ties_even() as i32
}

/// Groups candidates: clusters of similar rectangles are averaged; clusters with at most
/// `group_threshold` members are dropped; a cluster lying inside a bigger, better-supported
/// one is dropped too. Returns each kept rectangle with its cluster size ("neighbors").
/// With `group_threshold == 0` the candidates are returned as they are, each with 1 neighbor.
pub(crate) fn group_rectangles(rects: &[Rect], group_threshold: usize, eps: f64) -> Vec<(Rect, usize)> {
    if group_threshold == 0 || rects.is_empty() {
        return rects.iter().map(|&r| (r, 1)).collect();
    }
    let (labels, nclasses) = partition(rects, eps);
    let mut sums = vec![(0i64, 0i64, 0i64, 0i64); nclasses];
    let mut counts = vec![0usize; nclasses];
    for (r, &c) in rects.iter().zip(&labels) {
        let s = &mut sums[c];
        s.0 += r.x as i64;
        s.1 += r.y as i64;
        s.2 += r.w as i64;
        s.3 += r.h as i64;
        counts[c] += 1;
    }
    // OpenCV averages with a float reciprocal: `saturate_cast<int>(sum * (1.f / n))`.
    let avg: Vec<Rect> = sums
        .iter()
        .zip(&counts)
        .map(|(s, &n)| {
            let k = 1.0f32 / n as f32;
            Rect {
                x: round_f32(s.0 as f32 * k),
                y: round_f32(s.1 as f32 * k),
                w: round_f32(s.2 as f32 * k),
                h: round_f32(s.3 as f32 * k),
            }
        })
        .collect();

    let mut out = Vec::new();
    for i in 0..nclasses {
        let (r1, n1) = (avg[i], counts[i]);
        if n1 <= group_threshold {
            continue;
        }
        let swallowed = (0..nclasses).any(|j| {
            let n2 = counts[j];
            if j == i || n2 <= group_threshold {
                return false;
            }
            let r2 = avg[j];
            let dx = (r2.w as f64 * eps).round_ties_even() as i32;
            let dy = (r2.h as f64 * eps).round_ties_even() as i32;
            r1.x >= r2.x - dx
                && r1.y >= r2.y - dy
                && r1.x + r1.w <= r2.x + r2.w + dx
                && r1.y + r1.h <= r2.y + r2.h + dy
                && (n2 > n1.max(3) || n1 < 3)
        });
        if !swallowed {
            out.push((r1, n1));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(x: i32, y: i32, w: i32, h: i32) -> Rect {
        Rect { x, y, w, h }
    }

    #[test]
    fn clusters_are_averaged_and_thresholded() {
        let rects = [r(100, 100, 50, 50), r(102, 101, 50, 50), r(98, 99, 52, 52), r(400, 400, 30, 30)];
        let g = group_rectangles(&rects, 2, 0.2);
        assert_eq!(g, vec![(r(100, 100, 51, 51), 3)]);
        // Threshold 3 needs 4 members.
        assert!(group_rectangles(&rects, 3, 0.2).is_empty());
        // Threshold 0 returns the candidates untouched.
        assert_eq!(group_rectangles(&rects, 0, 0.2).len(), 4);
    }

    #[test]
    fn grouping_is_transitive() {
        // a~b and b~c but not a~c: still one class, as with cv::partition.
        let rects = [r(0, 0, 100, 100), r(15, 0, 100, 100), r(30, 0, 100, 100)];
        assert!(!similar(&rects[0], &rects[2], 0.2));
        let g = group_rectangles(&rects, 1, 0.2);
        assert_eq!(g, vec![(r(15, 0, 100, 100), 3)]);
    }

    #[test]
    fn small_box_inside_a_stronger_big_one_is_dropped() {
        let mut rects = vec![r(40, 40, 20, 20); 4];
        rects.extend(vec![r(0, 0, 100, 100); 6]);
        let g = group_rectangles(&rects, 1, 0.2);
        assert_eq!(g, vec![(r(0, 0, 100, 100), 6)]);
    }

    #[test]
    fn average_rounds_half_to_even() {
        // x sum 5 over 2 = 2.5 -> 2; y sum 7 over 2 = 3.5 -> 4.
        let rects = [r(2, 3, 40, 40), r(3, 4, 40, 40)];
        let g = group_rectangles(&rects, 1, 0.2);
        assert_eq!(g[0].0, r(2, 4, 40, 40));
    }
}
