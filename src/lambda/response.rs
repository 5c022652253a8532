//! The response: the results of a call and, where it stopped early, the `next_token` that continues
//! it (the typed position encoded for the request it belongs to). `Answer` is what an invocation
//! returns: that, or the report of `{"op": "check"}`.

use serde::ser::{SerializeStruct, Serializer};
use serde::Serialize;

use crate::lambda::check::Report;
use crate::table::{Outcome, Results};
use crate::wire::error::AppError;
use crate::wire::request::Request;
use crate::wire::token;

/// What an invocation returns, serialized as the inner value itself (no tag: each shape is
/// documented on its own, and the data path pays only a match).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Answer {
    Data(Response),
    Check(Report),
}

#[derive(Debug)]
pub struct Response {
    pub results: Results,
    pub next_token: Option<String>,
}

impl Response {
    /// The response to `request` for `outcome`'s results and resume position.
    pub fn new(request: &Request, outcome: Outcome) -> Result<Response, AppError> {
        let next_token =
            outcome.resume.map(|p| token::encode(&request.fingerprint, &request.region, &p)).transpose()?;
        Ok(Response { results: outcome.results, next_token })
    }
}

/// `{"items", "count", "scanned_count", "next_token", "consumed_capacity"}`, in the documented order
/// (a flattened derive would put next_token last).
impl Serialize for Response {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.results;
        let mut out = s.serialize_struct("Response", 5)?;
        out.serialize_field("items", &r.items)?;
        out.serialize_field("count", &r.count)?;
        out.serialize_field("scanned_count", &r.scanned_count)?;
        out.serialize_field("next_token", &self.next_token)?;
        out.serialize_field("consumed_capacity", &r.consumed_capacity)?;
        out.end()
    }
}
