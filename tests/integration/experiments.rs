//! Every experiment file in experiments/ parses, validates and builds its model.

use super::common::repo;

#[test]
fn every_experiment_file_loads_and_builds_its_model() {
    let dir = repo().join("experiments");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let exp = runner::Experiment::load(&path).unwrap_or_else(|e| panic!("{e}"));
        let tasks = exp.tasks().unwrap();
        let heads = runner::heads::Heads::new(tasks);
        let vs = tch::nn::VarStore::new(tch::Device::Cpu);
        let input = models::InputShape { channels: exp.data.color.channels() as i64, size: exp.data.image_size as i64 };
        models::build(&exp.model, &vs.root(), input, &heads.specs())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(models::parameter_count(&vs) > 0);
        seen += 1;
    }
    assert!(seen >= 2, "expected experiment files in {}", dir.display());
}

#[test]
fn a_typo_in_an_experiment_is_an_error_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let text =
        std::fs::read_to_string(repo().join("experiments/model4.toml")).unwrap().replace("epochs = 25", "epoch = 25");
    let path = dir.path().join("model4.toml");
    std::fs::write(&path, text).unwrap();
    let err = runner::Experiment::load(&path).unwrap_err().to_string();
    assert!(err.contains("model4.toml") && err.contains("unknown field `epoch`"), "{err}");
}
