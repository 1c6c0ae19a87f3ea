//! Model 4 on a few hundred real UTKFace faces: one epoch of the real loop lowers the loss.

use super::common::{experiment, options, utkface};
use runner::data::Data;
use runner::evaluate::{evaluate, Crops};
use runner::heads::Heads;
use runner::optim::Optimizer;
use runner::progress::EpochBar;
use tch::Device;

fn real_model4(root: &std::path::Path, epochs: usize) -> String {
    let exp = std::fs::read_to_string(super::common::repo().join("experiments/model4.toml")).unwrap();
    exp.replace("root = \"data/UTKFace\"", &format!("root = \"{}\"\nlimit = 500", root.display()))
        .replace("train = 15008", "train = 400")
        .replace("valid = 7000", "valid = 50")
        .replace("epochs = 25", &format!("epochs = {epochs}"))
        .replace("batch_size = 100", "batch_size = 20")
}

#[test]
fn one_epoch_of_model4_on_real_faces_lowers_the_loss() {
    let _serial = super::common::serial();
    let Some(root) = utkface() else { return };
    let exp = experiment(&real_model4(&root, 1));
    let heads = Heads::new(exp.tasks().unwrap());
    let data = Data::load(&exp, &heads.tasks, &super::common::repo()).unwrap();
    assert_eq!(data.faces.len(), 500);
    tch::manual_seed(1);
    let vs = tch::nn::VarStore::new(Device::Cpu);
    let (channels, size) = data.shape();
    assert_eq!((channels, size), (3, 32));
    let net = models::build(&exp.model, &vs.root(), models::InputShape { channels, size }, &heads.specs()).unwrap();
    let mut opt = Optimizer::new(&vs, &exp.optimizer);
    let train: Vec<i64> = data.split.indices(dataset::Part::Train).into_iter().map(|i| i as i64).collect();
    let before = evaluate(net.as_ref(), &data, &heads, &train, 100, Device::Cpu, Crops::Full).unwrap().loss;
    let bar = EpochBar::new(false, 1, 1, 20);
    let outcome = runner::train::train_epoch(
        net.as_ref(),
        &data,
        &heads,
        &mut opt,
        &train,
        20,
        1e-3,
        Device::Cpu,
        &exp.augment,
        &bar,
    )
    .unwrap();
    assert!(matches!(outcome, runner::train::EpochOutcome::Completed(_)), "the loss stayed finite");
    let after = evaluate(net.as_ref(), &data, &heads, &train, 100, Device::Cpu, Crops::Full).unwrap().loss;
    assert!(after < before - 0.01, "loss on the training faces went {before:.4} -> {after:.4}");
}

#[test]
fn a_short_real_run_reports_test_accuracy() {
    let _serial = super::common::serial();
    let Some(root) = utkface() else { return };
    let reports = tempfile::tempdir().unwrap();
    let out = runner::run(&experiment(&real_model4(&root, 2)), &options(reports.path())).unwrap();
    assert_eq!(out.test.images, 50);
    let runfolder::HeadMetrics::Classification(age) = &out.test.heads["age"] else { panic!("classification head") };
    // five classes: chance is 0.2; two epochs on 400 faces already beat always guessing the mode
    assert!(age.accuracy > 0.2, "test accuracy {}", age.accuracy);
}
