//! A change as the change log stores it, and back.

use crate::model::catalog::Catalog;
use crate::model::team::Team;
use crate::record::{ApiKey, Bot, Change, Invitation, Member, StoredKnowledgeBase};
use crate::store::StoreError;
use std::borrow::Cow;

/// A change as the change log stores it (the organization's creation is not
/// logged: a log starts at version 2).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Logged<'a> {
    PutMember(Cow<'a, Member>),
    DeleteMember(crate::model::id::MemberId),
    PutTeam(Cow<'a, Team>),
    DeleteTeam(crate::model::id::TeamId),
    PutInvitation(Cow<'a, Invitation>),
    SetOrganization {
        name: Cow<'a, str>,
        seat_limit: u32,
    },
    /// The catalog in its JSON file form ([`Catalog::to_json`]), checked
    /// whole when read back.
    SetCatalog(Cow<'a, str>),
    PutBot(Cow<'a, Bot>),
    DeleteBot(crate::model::id::BotId),
    PutApiKey(Cow<'a, ApiKey>),
    PutKnowledgeBase(Cow<'a, StoredKnowledgeBase>),
    DeleteKnowledgeBase(crate::model::id::KnowledgeBaseId),
    SetSettings(Cow<'a, std::collections::BTreeMap<String, String>>),
}

impl<'a> Logged<'a> {
    pub(super) fn of(change: &'a Change) -> Option<Logged<'a>> {
        Some(match change {
            Change::CreateOrganization(_) => return None,
            Change::PutMember(m) => Logged::PutMember(Cow::Borrowed(&**m)),
            Change::DeleteMember(id) => Logged::DeleteMember(*id),
            Change::PutTeam(t) => Logged::PutTeam(Cow::Borrowed(&**t)),
            Change::DeleteTeam(id) => Logged::DeleteTeam(*id),
            Change::PutInvitation(i) => Logged::PutInvitation(Cow::Borrowed(&**i)),
            Change::SetOrganization { name, seat_limit } => Logged::SetOrganization {
                name: Cow::Borrowed(name),
                seat_limit: *seat_limit,
            },
            Change::SetCatalog(c) => Logged::SetCatalog(Cow::Owned(c.to_json())),
            Change::PutBot(b) => Logged::PutBot(Cow::Borrowed(&**b)),
            Change::DeleteBot(id) => Logged::DeleteBot(*id),
            Change::PutApiKey(k) => Logged::PutApiKey(Cow::Borrowed(&**k)),
            Change::PutKnowledgeBase(k) => Logged::PutKnowledgeBase(Cow::Borrowed(&**k)),
            Change::DeleteKnowledgeBase(id) => Logged::DeleteKnowledgeBase(*id),
            Change::SetSettings(s) => Logged::SetSettings(Cow::Borrowed(s)),
        })
    }

    pub(super) fn into_change(self) -> Result<Change, StoreError> {
        Ok(match self {
            Logged::PutMember(m) => Change::PutMember(std::sync::Arc::new(m.into_owned())),
            Logged::DeleteMember(id) => Change::DeleteMember(id),
            Logged::PutTeam(t) => Change::PutTeam(std::sync::Arc::new(t.into_owned())),
            Logged::DeleteTeam(id) => Change::DeleteTeam(id),
            Logged::PutInvitation(i) => Change::PutInvitation(std::sync::Arc::new(i.into_owned())),
            Logged::SetOrganization { name, seat_limit } => Change::SetOrganization {
                name: name.into_owned(),
                seat_limit,
            },
            Logged::SetCatalog(text) => Change::SetCatalog(std::sync::Arc::new(
                Catalog::from_json(&text)
                    .map_err(|e| super::values::corrupt(format!("change log catalog: {e}")))?,
            )),
            Logged::PutBot(b) => Change::PutBot(std::sync::Arc::new(b.into_owned())),
            Logged::DeleteBot(id) => Change::DeleteBot(id),
            Logged::PutApiKey(k) => Change::PutApiKey(std::sync::Arc::new(k.into_owned())),
            Logged::PutKnowledgeBase(k) => {
                Change::PutKnowledgeBase(std::sync::Arc::new(k.into_owned()))
            }
            Logged::DeleteKnowledgeBase(id) => Change::DeleteKnowledgeBase(id),
            Logged::SetSettings(s) => Change::SetSettings(s.into_owned()),
        })
    }
}
