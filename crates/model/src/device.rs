//! Devices and precisions: parsing, display, and resolution to a candle [`Device`].

use std::fmt;
use std::str::FromStr;

use candle_core::{DType, Device, Tensor};

use crate::error::{Error, Result};

/// Where the model runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum DeviceSpec {
    /// The CPU (always available).
    #[default]
    Cpu,
    /// The CUDA GPU with this ordinal (needs a build with `--features cuda`).
    Cuda(usize),
    /// The Metal GPU with this ordinal (needs a build with `--features metal`).
    Metal(usize),
    /// CUDA if built and present, else Metal if built and present, else the CPU.
    Auto,
}

impl FromStr for DeviceSpec {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let t = s.trim().to_ascii_lowercase();
        let ordinal = |rest: &str| -> Result<usize> {
            if rest.is_empty() {
                Ok(0)
            } else {
                rest.strip_prefix(':')
                    .and_then(|n| n.parse::<usize>().ok())
                    .ok_or_else(|| Error::ParseDevice(s.to_string()))
            }
        };
        match t.as_str() {
            "cpu" => Ok(DeviceSpec::Cpu),
            "auto" => Ok(DeviceSpec::Auto),
            _ => {
                if let Some(rest) = t.strip_prefix("cuda") {
                    Ok(DeviceSpec::Cuda(ordinal(rest)?))
                } else if let Some(rest) = t.strip_prefix("metal") {
                    Ok(DeviceSpec::Metal(ordinal(rest)?))
                } else {
                    Err(Error::ParseDevice(s.to_string()))
                }
            }
        }
    }
}

impl fmt::Display for DeviceSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceSpec::Cpu => write!(f, "cpu"),
            DeviceSpec::Cuda(n) => write!(f, "cuda:{n}"),
            DeviceSpec::Metal(n) => write!(f, "metal:{n}"),
            DeviceSpec::Auto => write!(f, "auto"),
        }
    }
}

impl TryFrom<String> for DeviceSpec {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<DeviceSpec> for String {
    fn from(d: DeviceSpec) -> String {
        d.to_string()
    }
}

/// Numeric precision of the weights and activations.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub enum Precision {
    /// 32-bit float (the default; matches sentence-transformers within 1e-4).
    #[default]
    F32,
    /// IEEE half precision.
    F16,
    /// bfloat16.
    Bf16,
    /// Integer matrix products (10-bit weights per column, 12-bit activations per token, 16-bit
    /// lanes), everything else f32; the fast CPU forward only.
    Int16,
}

impl Precision {
    /// The candle dtype of the loaded tensors (f32 for int16, which quantizes f32 weights).
    pub fn dtype(self) -> DType {
        match self {
            Precision::F32 | Precision::Int16 => DType::F32,
            Precision::F16 => DType::F16,
            Precision::Bf16 => DType::BF16,
        }
    }

    /// The most negative finite value of this precision (for attention masks).
    pub(crate) fn min_value(self) -> f32 {
        match self {
            Precision::F32 | Precision::Int16 => f32::MIN,
            Precision::F16 => -65504.0,
            // bf16::MIN = -(2 - 2^-7) * 2^127
            Precision::Bf16 => -3.389_531_4e38,
        }
    }
}

impl FromStr for Precision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "f32" | "fp32" | "float32" => Ok(Precision::F32),
            "f16" | "fp16" | "float16" | "half" => Ok(Precision::F16),
            "bf16" | "bfloat16" => Ok(Precision::Bf16),
            "int16" | "i16" => Ok(Precision::Int16),
            _ => Err(Error::ParsePrecision(s.to_string())),
        }
    }
}

impl fmt::Display for Precision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Precision::F32 => "f32",
            Precision::F16 => "f16",
            Precision::Bf16 => "bf16",
            Precision::Int16 => "int16",
        })
    }
}

impl TryFrom<String> for Precision {
    type Error = Error;
    fn try_from(s: String) -> Result<Self> {
        s.parse()
    }
}

impl From<Precision> for String {
    fn from(p: Precision) -> String {
        p.to_string()
    }
}

/// Whether this CPU runs the integer kernels of [`Precision::Int16`] natively (AMX tiles or
/// AVX-512 VNNI); elsewhere they run on AVX2 (about the speed of f32) or the scalar kernel
/// (slower), with the same bits.
pub fn int16_is_native() -> bool {
    matches!(
        claimbench_kernels::Isa::detect(),
        claimbench_kernels::Isa::Amx | claimbench_kernels::Isa::Avx512Vnni
    )
}

/// Whether this build has CUDA support (`--features cuda`).
pub fn cuda_built() -> bool {
    cfg!(feature = "cuda")
}

/// Whether this build has Metal support (`--features metal`).
pub fn metal_built() -> bool {
    cfg!(feature = "metal")
}

/// A short label for a resolved device: `cpu`, `cuda:N`, `metal:N`.
pub fn device_label(device: &Device) -> String {
    match device.location() {
        candle_core::DeviceLocation::Cpu => "cpu".to_string(),
        candle_core::DeviceLocation::Cuda { gpu_id } => format!("cuda:{gpu_id}"),
        candle_core::DeviceLocation::Metal { gpu_id } => format!("metal:{gpu_id}"),
    }
}

/// Resolve a device spec to a candle device, with errors that say what to do.
pub fn resolve_device(spec: DeviceSpec) -> Result<Device> {
    match spec {
        DeviceSpec::Cpu => Ok(Device::Cpu),
        DeviceSpec::Cuda(n) => {
            if !cuda_built() {
                return Err(Error::Device {
                    device: spec.to_string(),
                    message: "this claimbench was built without CUDA support; rebuild with \
                              `cargo build --release --features cuda` (see scripts/build-cuda.sh), \
                              or use --device cpu"
                        .to_string(),
                });
            }
            Device::new_cuda(n).map_err(|e| Error::Device {
                device: spec.to_string(),
                message: format!(
                    "cannot open the CUDA device ({e}); check `nvidia-smi`, the driver and the \
                     ordinal, or use --device cpu"
                ),
            })
        }
        DeviceSpec::Metal(n) => {
            if !metal_built() {
                return Err(Error::Device {
                    device: spec.to_string(),
                    message: "this claimbench was built without Metal support; rebuild on macOS \
                              with `cargo build --release --features metal`, or use --device cpu"
                        .to_string(),
                });
            }
            Device::new_metal(n).map_err(|e| Error::Device {
                device: spec.to_string(),
                message: format!("cannot open the Metal device ({e}); use --device cpu"),
            })
        }
        DeviceSpec::Auto => {
            if cuda_built() && candle_core::utils::cuda_is_available() {
                if let Ok(d) = Device::new_cuda(0) {
                    return Ok(d);
                }
            }
            if metal_built() && candle_core::utils::metal_is_available() {
                if let Ok(d) = Device::new_metal(0) {
                    return Ok(d);
                }
            }
            Ok(Device::Cpu)
        }
    }
}

/// Check that the device runs the operations BERT needs in this precision, so that an
/// unsupported combination fails at load time with a clear message rather than mid-run.
pub fn check_precision(device: &Device, precision: Precision) -> Result<()> {
    if precision == Precision::F32 {
        return Ok(());
    }
    let probe = || -> candle_core::Result<()> {
        let dt = precision.dtype();
        let a = Tensor::arange(0f32, 12f32, device)?
            .reshape((1, 3, 4))?
            .to_dtype(dt)?;
        let b = a.transpose(1, 2)?.contiguous()?;
        let c = a.matmul(&b)?;
        let c = candle_nn::ops::softmax_last_dim(&c)?;
        let w = Tensor::ones(3, dt, device)?;
        let c = candle_nn::ops::layer_norm(&c, &w, &w, 1e-12)?;
        let c = c.gelu_erf()?;
        let _ = c.to_dtype(DType::F32)?.sum_all()?.to_scalar::<f32>()?;
        Ok(())
    };
    probe().map_err(|e| Error::Precision {
        precision: precision.to_string(),
        device: device_label(device),
        message: format!("this device cannot run BERT in {precision} ({e}); use --precision f32"),
    })
}
