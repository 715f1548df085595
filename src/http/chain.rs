//! How a layer of the middleware chain (`startup::routes`) calls the rest of it.
//!
//! Every future is copied whole when it is started, and a future holds what it awaits. Two
//! things made the layers' futures large (4.2 KB for the outermost): an `async fn` keeps each
//! argument twice (as given and as its local), and `next.call(req)` on the boxed rest of the
//! chain goes through `Arc`'s and `Box`'s own `async fn call` first, each holding the request
//! (488 bytes) twice again. So each layer is a plain function that does its work on the request,
//! then returns one `async` block, which holds its arguments once and awaits the rest of the
//! chain through its box.

use std::sync::Arc;

use futures::future::BoxFuture;
use poem::{
    endpoint::{BoxEndpoint, DynEndpoint},
    Request, Response,
};

/// The rest of the chain, as each layer is handed it: boxed once.
pub type Next = Arc<BoxEndpoint<'static>>;

/// Starts the rest of the chain on `req`, straight through its box.
pub fn call_next(next: &Next, req: Request) -> BoxFuture<'_, poem::Result<Response>> {
    DynEndpoint::call(next.as_ref().as_ref(), req)
}
