//! Loading cascades: the bundled file as OpenCV ships it, and clear errors for bad ones.

use std::path::Path;

use detect::{Cascade, DetectError};

const BUNDLED: &str = include_str!("../data/haarcascade_frontalface_default.xml");

/// Values of every `<tag>` element in document order, by plain text scanning (independent of
/// the crate's XML parser).
fn tag_values(text: &str, tag: &str) -> Vec<String> {
    let open = format!("<{tag}>");
    let close = format!("</{tag}>");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(&open) {
        rest = &rest[i + open.len()..];
        let j = rest.find(&close).expect("closed tag");
        out.push(rest[..j].trim().to_string());
        rest = &rest[j..];
    }
    out
}

#[test]
fn bundled_frontal_face_cascade_matches_the_file() {
    let c = Cascade::frontal_face_default().expect("parses");
    assert_eq!(c.window_size(), (24, 24));
    assert_eq!(c.stage_count(), 25);
    assert_eq!(tag_values(BUNDLED, "stageNum"), vec!["25"]);

    // Per-stage weak classifier counts: the file's <maxWeakCount> of each stage (the first
    // <maxWeakCount> belongs to <stageParams> and is the largest, 211).
    let declared: Vec<usize> =
        tag_values(BUNDLED, "maxWeakCount").iter().map(|v| v.parse().expect("integer")).collect();
    assert_eq!(declared[0], 211);
    assert_eq!(c.weak_counts(), declared[1..].to_vec());
    assert_eq!(c.weak_counts().iter().max(), Some(&211));
    assert_eq!(c.weak_counts()[..3], [9, 16, 27]);
    assert_eq!(c.weak_counts().iter().sum::<usize>(), tag_values(BUNDLED, "internalNodes").len());

    // One <rects> per feature; this cascade has no tilted features at all.
    assert_eq!(c.feature_count(), tag_values(BUNDLED, "rects").len());
    assert_eq!(c.feature_count(), 2913);
    assert!(tag_values(BUNDLED, "tilted").iter().all(|v| v == "0"));
    assert!(c.is_stump_based());
}

#[test]
fn bundled_copy_keeps_its_licence_header() {
    assert!(BUNDLED.contains("Intel License Agreement"));
    assert!(BUNDLED.contains("Redistribution's of source code must retain the above copyright notice"));
}

#[test]
fn from_file_reads_the_same_cascade_and_names_missing_files() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/haarcascade_frontalface_default.xml");
    let a = Cascade::from_file(&path).expect("reads");
    let b = Cascade::frontal_face_default().expect("parses");
    assert_eq!(a.stage_count(), b.stage_count());
    assert_eq!(a.weak_counts(), b.weak_counts());
    assert!(a.source_name().ends_with("haarcascade_frontalface_default.xml"));

    let missing = Path::new("/nonexistent/cascade.xml");
    let err = Cascade::from_file(missing).expect_err("no such file");
    assert!(matches!(err, DetectError::Io { .. }));
    assert!(err.to_string().contains("/nonexistent/cascade.xml"), "{err}");
}

/// A minimal valid cascade: 24x24 window, one stage of one stump over one feature.
fn mini(stage_type: &str, feature_type: &str, nodes: &str, leaves: &str, features: &str) -> String {
    format!(
        r#"<?xml version="1.0"?>
<opencv_storage>
<cascade type_id="opencv-cascade-classifier"><stageType>{stage_type}</stageType>
  <featureType>{feature_type}</featureType>
  <height>24</height>
  <width>24</width>
  <stageParams><maxWeakCount>1</maxWeakCount></stageParams>
  <featureParams><maxCatCount>0</maxCatCount></featureParams>
  <stageNum>1</stageNum>
  <stages>
    <_>
      <maxWeakCount>1</maxWeakCount>
      <stageThreshold>-1.0</stageThreshold>
      <weakClassifiers>
        <_>
          <internalNodes>{nodes}</internalNodes>
          <leafValues>{leaves}</leafValues></_></weakClassifiers></_></stages>
  <features>{features}</features></cascade>
</opencv_storage>
"#
    )
}

const ONE_FEATURE: &str = "<_><rects><_>0 0 24 12 -1.</_><_>0 12 24 12 1.</_></rects><tilted>0</tilted></_>";

#[test]
fn minimal_cascade_parses() {
    let c = Cascade::from_xml_str(&mini("BOOST", "HAAR", "0 -1 0 0.5", "-1 1", ONE_FEATURE)).expect("valid");
    assert_eq!((c.stage_count(), c.feature_count()), (1, 1));
    assert_eq!(c.source_name(), "<string>");
    // A two-node tree is accepted too (not a stump cascade then).
    let tree = Cascade::from_xml_str(&mini("BOOST", "HAAR", "1 -1 0 0.5 0 -2 0 0.1", "-1 0.5 1", ONE_FEATURE))
        .expect("valid tree");
    assert!(!tree.is_stump_based());
}

fn err_of(xml: &str) -> DetectError {
    Cascade::from_xml_str(xml).expect_err("should be rejected")
}

#[test]
fn broken_cascades_give_errors_that_say_what_is_wrong() {
    let e = err_of("<opencv_storage><cascade>");
    assert!(matches!(e, DetectError::BadXml { .. }), "{e}");
    assert!(e.to_string().starts_with("<string>: not valid XML"), "{e}");

    let e = err_of(
        &mini("BOOST", "HAAR", "0 -1 0 0.5", "-1 1", ONE_FEATURE)
            .replace("<stages>", "<stagez>")
            .replace("</stages>", "</stagez>"),
    );
    assert!(matches!(&e, DetectError::MissingElement { element, .. } if element == "stages"), "{e}");

    let e = err_of(&mini("GAB", "HAAR", "0 -1 0 0.5", "-1 1", ONE_FEATURE));
    assert!(matches!(e, DetectError::Unsupported { .. }) && e.to_string().contains("stage type \"GAB\""), "{e}");

    let e = err_of(&mini("BOOST", "LBP", "0 -1 0 0.5", "-1 1", ONE_FEATURE));
    assert!(matches!(e, DetectError::Unsupported { .. }) && e.to_string().contains("LBP"), "{e}");

    let tilted = ONE_FEATURE.replace("<tilted>0</tilted>", "<tilted>1</tilted>");
    let e = err_of(&mini("BOOST", "HAAR", "0 -1 0 0.5", "-1 1", &tilted));
    assert!(matches!(e, DetectError::Unsupported { .. }) && e.to_string().contains("tilted"), "{e}");

    let e = err_of(&mini("BOOST", "HAAR", "0 -1 5 0.5", "-1 1", ONE_FEATURE));
    assert!(matches!(e, DetectError::InvalidValue { .. }) && e.to_string().contains("featureIdx 5"), "{e}");

    let e = err_of(&mini("BOOST", "HAAR", "0 -1 0 abc", "-1 1", ONE_FEATURE));
    assert!(e.to_string().contains("stage 0, weak classifier 0"), "{e}");

    let e = err_of(&mini("BOOST", "HAAR", "0 -1 0 0.5", "-1", ONE_FEATURE));
    assert!(matches!(&e, DetectError::InvalidValue { element, .. } if element == "leafValues"), "{e}");

    let outside = ONE_FEATURE.replace("0 12 24 12 1.", "0 12 24 13 1.");
    let e = err_of(&mini("BOOST", "HAAR", "0 -1 0 0.5", "-1 1", &outside));
    assert!(e.to_string().contains("leaves the 24x24 window"), "{e}");

    let e =
        err_of(r#"<opencv_storage><haar type_id="opencv-haar-classifier"><size>24 24</size></haar></opencv_storage>"#);
    assert!(matches!(e, DetectError::Unsupported { .. }) && e.to_string().contains("old-style"), "{e}");

    let e =
        err_of(&mini("BOOST", "HAAR", "0 -1 0 0.5", "-1 1", ONE_FEATURE).replace("<maxCatCount>0", "<maxCatCount>256"));
    assert!(e.to_string().contains("categorical"), "{e}");
}
