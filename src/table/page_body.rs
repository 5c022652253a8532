//! The interceptor that hands a Scan or Query page's items to `streams` as plain JSON, transcoded
//! straight from the response body (`wire::transcode`, which says why the SDK's item model is
//! bypassed), while the SDK keeps signing, credentials, retries, timeouts, error parsing and the
//! small fields of the output.
//!
//! The orchestrator calls `modify_before_deserialization` once per attempt, before it reads the
//! body (it is still a stream there), so the hook wraps the body: when the wrapper has read all of
//! it, it transcodes it, puts the items into the call's slot and yields the body without `Items` to
//! the SDK's deserializer. Only 2xx responses are touched (errors are the SDK's to parse), and every
//! attempt first empties the slot, so a retried attempt replaces, never adds to, what an earlier one
//! left. A body the transcoder refuses goes to the SDK untouched and the slot stays empty: the
//! caller then converts the SDK's items as before. (A body whose items transcode but whose other
//! fields the SDK cannot read fails as it did, though the SDK's message then quotes the shorter body.)

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{ready, Context, Poll};

use crate::wire::buffers;
use crate::wire::json_items::JsonItems;
use crate::wire::transcode::transcode_page;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};

/// Largest body capacity reserved up front from a Content-Length (DynamoDB pages are ≤ 1 MB; a
/// larger claim just grows the buffer as the body arrives).
const MAX_RESERVE: usize = 2 * 1024 * 1024;

type Slot = Arc<Mutex<Option<JsonItems>>>;

/// Registered on one Scan or Query call (`customize().interceptor(..)`); `take` after `send`.
#[derive(Debug, Clone, Default)]
pub(super) struct TranscodeItems {
    slot: Slot,
}

impl TranscodeItems {
    /// The last attempt's items, when its body was transcoded.
    pub(super) fn take(&self) -> Option<JsonItems> {
        self.slot.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

impl Intercept for TranscodeItems {
    fn name(&self) -> &'static str {
        "TranscodeItems"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        *self.slot.lock().unwrap_or_else(PoisonError::into_inner) = None;
        let response = context.response_mut();
        if !response.status().is_success() {
            return Ok(());
        }
        let reserve = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(0)
            .min(MAX_RESERVE);
        let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(Transcoding {
            inner,
            read: buffers::take(reserve),
            slot: self.slot.clone(),
            done: false,
        });
        Ok(())
    }
}

/// A response body that reads all of `inner`, then yields it transcoded (one frame).
struct Transcoding {
    inner: SdkBody,
    read: Vec<u8>,
    slot: Slot,
    done: bool,
}

impl Body for Transcoding {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        // Trailers are dropped: DynamoDB's JSON responses have none.
        while let Some(frame) = ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
            if let Ok(data) = frame?.into_data() {
                this.read.extend_from_slice(&data);
            }
        }
        this.done = true;
        let body = std::mem::take(&mut this.read);
        let out = match transcode_page(&body) {
            Ok(page) => {
                *this.slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(page.items);
                buffers::give(body);
                page.rest
            }
            Err(e) => {
                tracing::debug!(error = %e, "page body left to the SDK's deserializer");
                body
            }
        };
        Poll::Ready(Some(Ok(Frame::data(Bytes::from(out)))))
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}
