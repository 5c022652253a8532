//! The response: the results of a call and, where it stopped early, the `next_token` that continues
//! it (the typed position encoded for the request it belongs to). `Answer` is what an invocation
//! returns: that, or the report of `{"op": "check"}`.

use serde::Serialize;
use serde_json::value::RawValue;

use crate::lambda::check::Report;
use crate::table::{Outcome, Results};
use crate::wire::buffers;
use crate::wire::error::AppError;
use crate::wire::request::Request;
use crate::wire::token;

/// What an invocation returns, serialized as the inner value itself (no tag: each shape is
/// documented on its own, and the data path pays only a match).
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Answer {
    /// A data response's JSON (`Response::into_json`).
    Data(ResponseJson),
    Check(Report),
}

/// Responses larger than this empty the buffer pool first, so that kept buffers do not add to the
/// call's memory peak: the runtime's copy of the response.
const LARGE_RESPONSE: usize = 2 << 20;

/// A data response's JSON text. Once the runtime has serialized (copied) it, its buffer goes back
/// to `wire::buffers` for the next call's pages.
#[derive(Debug)]
pub struct ResponseJson(Option<Box<RawValue>>);

impl ResponseJson {
    /// The response's JSON text.
    pub fn get(&self) -> &str {
        self.0.as_deref().map_or("", RawValue::get)
    }
}

impl Serialize for ResponseJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl Drop for ResponseJson {
    fn drop(&mut self) {
        if let Some(raw) = self.0.take() {
            let text: Box<str> = raw.into();
            buffers::give(String::from(text).into_bytes());
        }
    }
}

#[derive(Debug)]
pub struct Response {
    pub results: Results,
    pub next_token: Option<String>,
}

/// The members after `items`, in the documented order.
#[derive(Serialize)]
struct Tail<'a> {
    count: u64,
    scanned_count: u64,
    next_token: Option<&'a str>,
    consumed_capacity: Option<f64>,
}

impl Response {
    /// The response to `request` for `outcome`'s results and resume position.
    pub fn new(request: &Request, outcome: Outcome) -> Result<Response, AppError> {
        let next_token =
            outcome.resume.map(|p| token::encode(&request.fingerprint, &request.region, &p)).transpose()?;
        Ok(Response { results: outcome.results, next_token })
    }

    /// `{"items", "count", "scanned_count", "next_token", "consumed_capacity"}`, in the documented
    /// order. The items' text is already JSON, so the response is written around it, in its own
    /// buffer, rather than serializing every item again into a new one.
    pub fn into_json(self) -> Result<ResponseJson, AppError> {
        let r = &self.results;
        let tail = Tail {
            count: r.count,
            scanned_count: r.scanned_count,
            next_token: self.next_token.as_deref(),
            consumed_capacity: r.consumed_capacity,
        };
        let tail = serde_json::to_string(&tail).map_err(|e| AppError::internal("writing the response", e))?;
        let mut text = self.results.items.into_text();
        const HEAD: &str = "{\"items\":[";
        text.reserve(HEAD.len() + 1 + tail.len());
        // One move of the items' text within its buffer (its pages are already resident), instead
        // of a copy into a new one.
        text.insert_str(0, HEAD);
        text.push_str("],");
        text.push_str(&tail[1..]);
        if text.len() > LARGE_RESPONSE {
            buffers::release();
        }
        // SAFETY: `text` is one well-formed JSON object without surrounding whitespace: the
        // envelope is serde_json's, and every item in `JsonItems` is one well-formed JSON value
        // (`push` takes `RawValue`s; the transcoder writes only what it read as well-formed, or
        // serde_json's output). Checking it again (`RawValue::from_string`) would cost about as
        // much as reading the page: 330 ns per item on the benchmark page, where reading the body
        // and writing the items costs 355. Debug builds (every test, the fuzz properties) still
        // check it: serde_json debug-asserts it here.
        Ok(ResponseJson(Some(unsafe { RawValue::from_string_unchecked(text) })))
    }
}
