//! The built-in role catalogs, one per source product.
//!
//! | preset | product |
//! |---|---|
//! | [`helpdesk`] | support desk: Owner, Primary Admin, Admin, Primary Agent, Agent; teams, assignment, import |

mod helpdesk;

#[cfg_attr(not(feature = "testkit"), allow(unused_imports))]
pub(crate) use helpdesk::built;
pub use helpdesk::helpdesk;
