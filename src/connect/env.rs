//! Reading settings from environment variables: one variable at a time, set-but-empty counting as
//! unset, and `ConfigError`, which names the variable at fault and what was expected.

use std::error::Error as StdError;
use std::fmt;

/// A setting that cannot work: the environment variable (or builder setting) and what was expected.
#[derive(Debug)]
pub struct ConfigError {
    /// The variable at fault, e.g. `ROLE_ARN`.
    pub variable: &'static str,
    /// What is wrong with it and what was expected.
    pub message: String,
    /// What made the value unusable, when that is an error of its own (e.g. the request parser's).
    pub source: Option<Box<dyn StdError + Send + Sync>>,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {}: {}", self.variable, self.message)
    }
}

impl StdError for ConfigError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|e| e as &(dyn StdError + 'static))
    }
}

pub(crate) fn err(variable: &'static str, message: impl Into<String>) -> ConfigError {
    ConfigError { variable, message: message.into(), source: None }
}

pub(crate) fn caused(variable: &'static str, cause: impl StdError + Send + Sync + 'static) -> ConfigError {
    ConfigError { variable, message: cause.to_string(), source: Some(Box::new(cause)) }
}

/// Reads one variable; set-but-empty counts as unset (Terraform and env files often render "" for
/// "not given").
pub(crate) struct Env<F>(pub(crate) F);

impl<F: Fn(&str) -> Option<String>> Env<F> {
    pub(crate) fn var(&self, k: &str) -> Option<String> {
        (self.0)(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    /// An integer variable in `range`, or `default` when unset.
    pub(crate) fn integer<T: std::str::FromStr + PartialOrd + fmt::Display>(
        &self,
        variable: &'static str,
        range: std::ops::RangeInclusive<T>,
        unit: &str,
        default: T,
    ) -> Result<T, ConfigError> {
        let Some(s) = self.var(variable) else { return Ok(default) };
        match s.parse::<T>() {
            Ok(n) if range.contains(&n) => Ok(n),
            _ => Err(err(
                variable,
                format!("expected an integer from {} to {}{unit}, got `{s}`", range.start(), range.end()),
            )),
        }
    }
}
