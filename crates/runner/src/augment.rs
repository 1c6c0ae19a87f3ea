//! Augmentation on float batches `[N, C, H, W]` in [0, 1]: mirroring, pad-and-crop, random crops
//! (Levi & Hassner's 227 of 256) and brightness/contrast jitter for training; centre or ten-crop
//! views for testing. Randomness comes from libtorch's generator, which the loop seeds per epoch,
//! so augmented runs stay reproducible and resumable.

use tch::{Kind, Tensor};

use crate::config::AugmentConfig;
use crate::evaluate::Crops;
use crate::RunnerError;

/// Applies the configured training augmentation.
pub fn train_view(x: &Tensor, cfg: &AugmentConfig) -> Result<Tensor, RunnerError> {
    let mut x = x.shallow_clone();
    if let Some(crop) = cfg.crop {
        x = random_crops(&x, crop as i64)?;
    }
    if cfg.pad_crop > 0 {
        let p = cfg.pad_crop as i64;
        let side = x.size()[3];
        x = random_crops(&x.constant_pad_nd([p, p, p, p]), side)?;
    }
    if cfg.flip {
        let n = x.size()[0];
        let mask = Tensor::rand([n, 1, 1, 1], (Kind::Float, x.device())).lt(0.5);
        x = x.flip([3]).where_self(&mask, &x);
    }
    if cfg.color_jitter > 0.0 {
        let n = x.size()[0];
        let j = cfg.color_jitter;
        let draw = || Tensor::rand([n, 1, 1, 1], (Kind::Float, x.device())) * (2.0 * j) + (1.0 - j);
        let (brightness, contrast) = (draw(), draw());
        let mean = x.mean_dim([1i64, 2, 3].as_slice(), true, Kind::Float);
        x = ((&x - &mean) * contrast + &mean * brightness).clamp(0.0, 1.0);
    }
    Ok(x)
}

/// One random `side x side` crop per image.
fn random_crops(x: &Tensor, side: i64) -> Result<Tensor, RunnerError> {
    let s = x.size();
    let (n, h, w) = (s[0], s[2], s[3]);
    if h == side && w == side {
        return Ok(x.shallow_clone());
    }
    let offsets = |range: i64| {
        Vec::<i64>::try_from(&Tensor::randint(range, [n], (Kind::Int64, x.device())))
            .map_err(RunnerError::tensor("random crop offsets"))
    };
    let (ys, xs) = (offsets(h - side + 1)?, offsets(w - side + 1)?);
    let crops: Vec<Tensor> =
        (0..n as usize).map(|i| x.get(i as i64).narrow(1, ys[i], side).narrow(2, xs[i], side)).collect();
    Ok(Tensor::stack(&crops, 0))
}

/// The views a test batch is evaluated on; outputs over views are averaged.
pub fn test_views(x: &Tensor, crops: Crops) -> Vec<Tensor> {
    let s = x.size();
    let (h, w) = (s[2], s[3]);
    let at = |side: i64, top: i64, left: i64| x.narrow(2, top, side).narrow(3, left, side);
    match crops {
        Crops::Full => vec![x.shallow_clone()],
        Crops::Centre(side) => vec![at(side, (h - side) / 2, (w - side) / 2)],
        Crops::Mirror(side) => {
            // the centre crop of the mirror image (not the mirror of the centre crop, which differs
            // by a pixel when the margin is odd): a face and its mirror image get the same two views
            let (top, left) = ((h - side) / 2, (w - side) / 2);
            let mirrored = x.flip([3]).narrow(2, top, side).narrow(3, left, side);
            vec![at(side, top, left), mirrored]
        }
        Crops::Ten(side) => {
            let five = [
                at(side, 0, 0),
                at(side, 0, w - side),
                at(side, h - side, 0),
                at(side, h - side, w - side),
                at(side, (h - side) / 2, (w - side) / 2),
            ];
            let mirrored: Vec<Tensor> = five.iter().map(|t| t.flip([3])).collect();
            five.into_iter().chain(mirrored).collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tch::Device;

    #[test]
    fn crops_have_the_right_shapes_and_centre_is_central() {
        let x = Tensor::arange(2 * 3 * 8 * 8, (Kind::Float, Device::Cpu)).view([2, 3, 8, 8]);
        let c = test_views(&x, Crops::Centre(4));
        assert_eq!(c[0].size(), vec![2, 3, 4, 4]);
        assert_eq!(c[0].double_value(&[0, 0, 0, 0]), x.double_value(&[0, 0, 2, 2]));
        let ten = test_views(&x, Crops::Ten(4));
        assert_eq!(ten.len(), 10);
        assert_eq!(ten[5].double_value(&[0, 0, 0, 0]), x.double_value(&[0, 0, 0, 3]));
        // The mirror of the whole image: its first column is the image's last one.
        let m = test_views(&x, Crops::Mirror(8));
        assert_eq!(m.len(), 2);
        assert_eq!(m[0].double_value(&[1, 2, 3, 0]), x.double_value(&[1, 2, 3, 0]));
        assert_eq!(m[1].double_value(&[1, 2, 3, 0]), x.double_value(&[1, 2, 3, 7]));
        // An odd margin (8 - 5 = 3): a face and its mirror image still get the same two views.
        let (a, b) = (test_views(&x, Crops::Mirror(5)), test_views(&x.flip([3]), Crops::Mirror(5)));
        assert!(a[0].equal(&b[1]) && a[1].equal(&b[0]));
        assert_eq!(Crops::named("mirror", 8), Some(Crops::Mirror(8)));
        assert_eq!(Crops::named("flipped", 8), None);
        let cfg = AugmentConfig { flip: true, pad_crop: 2, crop: Some(6), ten_crop_test: false, color_jitter: 0.1 };
        tch::manual_seed(0);
        let t = train_view(&(x / 384.0), &cfg).unwrap();
        assert_eq!(t.size(), vec![2, 3, 6, 6]);
        assert!(t.max().double_value(&[]) <= 1.0 && t.min().double_value(&[]) >= 0.0);
    }
}
