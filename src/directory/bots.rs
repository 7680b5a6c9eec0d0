//! The organization's bots and their API keys (seed 002): bots registered
//! by a member allowed to create them or by the host, published, granted to
//! members and deleted; API keys generated for one bot, returned once and
//! stored only as a hash, listed, revoked, and resolved to the actor they
//! stand for.
//!
//! A key grants, when it is used, only what it names and only what its
//! creator could grant then: [`Directory::resolve_api_key`] gives the key's
//! permissions cut down to its creator's current role, and nothing once the
//! creator may no longer generate keys for the bot (removed, disabled,
//! demoted), the key is revoked or the bot is gone.

use super::{acting, member_in, outranks, require, required, role_in, secret};
use super::{Clock, Directory, DirectoryError, Plan};
use crate::model::action::Action;
use crate::model::actor::{Actor, ApiKeyActor, MemberActor};
use crate::model::eval::can;
use crate::model::id::{ApiKeyId, BotId, MemberId, OrgId};
use crate::model::permission::Permissions;
use crate::model::resource::Resource;
use crate::record::{ApiKey, ApiKeyInfo, Bot, Member, OrgState};
use crate::store::Store;
use std::fmt;

/// The permissions that act on a bot: what a grant's permission level
/// ([`Directory::grant_bot_level`]) may name.
pub const BOT_PERMISSIONS: Permissions = KEY_PERMISSIONS
    .union(Permissions::API_KEY_GENERATE)
    .union(Permissions::BOT_ACCESS_GRANT);

/// The permissions an API key may carry: what acts on its own bot (edit,
/// configure, configure the UI of, publish, delete it, use its history),
/// never API key generation or bot-access granting, so that a key mints no
/// credentials.
pub const KEY_PERMISSIONS: Permissions = Permissions::BOT_CONFIGURE
    .union(Permissions::BOT_PUBLISH)
    .union(Permissions::BOT_DELETE)
    .union(Permissions::BOT_EDIT)
    .union(Permissions::BOT_UI_CONFIGURE)
    .union(Permissions::BOT_HISTORY);

/// An API key just generated: its secret is here once and never again
/// (its `Debug` output leaves the secret out).
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedApiKey {
    /// The key.
    pub id: ApiKeyId,
    /// The only bot it acts on.
    pub bot: BotId,
    /// What it may do to its bot, at most.
    pub permissions: Permissions,
    /// The secret to hand to the other service; only its hash is stored.
    pub secret: String,
}

impl fmt::Debug for IssuedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedApiKey")
            .field("id", &self.id)
            .field("bot", &self.bot)
            .field("permissions", &self.permissions)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl<S: Store, C: Clock> Directory<S, C> {
    /// Registers a bot made by a member (seed 002 "Create Bot").
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without bot creation;
    /// [`DirectoryError::InvalidInput`] for a blank name, or one with a
    /// control character or longer than [`super::MAX_TEXT_CHARS`].
    pub async fn create_bot(
        &self,
        org: OrgId,
        actor: MemberId,
        name: &str,
    ) -> Result<BotId, DirectoryError> {
        let name = required("bot name", name)?;
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::CreateBot, &Resource::Organization(org))?;
            Ok(new_bot(plan, &name))
        })
        .await
    }

    /// Registers a bot as the host, acting as the system (for platforms
    /// whose bots are made outside the directory): there is no acting
    /// member, and the audit event records none. Expose it to no
    /// member-facing route.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::InvalidInput`] as [`Directory::create_bot`];
    /// [`DirectoryError::UnknownOrganization`].
    pub async fn register_bot(&self, org: OrgId, name: &str) -> Result<BotId, DirectoryError> {
        let name = required("bot name", name)?;
        self.run(org, None, |_, plan| Ok(new_bot(plan, &name)))
            .await
    }

    /// Publishes or unpublishes a bot (seed 002 "Publish Bot"). A call that
    /// changes nothing writes nothing.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without bot publishing (or outside the
    /// actor's bot reach); [`DirectoryError::UnknownBot`].
    pub async fn publish_bot(
        &self,
        org: OrgId,
        actor: MemberId,
        bot: BotId,
        published: bool,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::PublishBot, &Resource::Bot { org, bot })?;
            let current = registered(state, bot)?;
            if current.published != published {
                let mut next = Bot::clone(current);
                next.published = published;
                plan.put_bot(
                    if published {
                        "publish_bot"
                    } else {
                        "unpublish_bot"
                    },
                    next,
                );
            }
            Ok(())
        })
        .await
    }

    /// Deletes a bot, for catalogs that allow it (nobody may in the
    /// bot_studio preset). Its grants go with it (each grantee's record is
    /// written, whatever their role: the grant names a bot that no longer
    /// exists) and its keys are revoked, in the same commit.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without bot deletion (or outside the
    /// actor's bot reach); [`DirectoryError::UnknownBot`].
    pub async fn delete_bot(
        &self,
        org: OrgId,
        actor: MemberId,
        bot: BotId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::DeleteBot, &Resource::Bot { org, bot })?;
            registered(state, bot)?;
            for m in state.bot_grantees(bot) {
                let mut next = Member::clone(m);
                next.bots.retain(|b| *b != bot);
                next.bot_levels.retain(|(b, _)| *b != bot);
                plan.put_member("revoke_bot", next);
            }
            for k in state.bot_keys(bot).filter(|k| !k.revoked) {
                let mut next = ApiKey::clone(k);
                next.revoked = true;
                plan.put_api_key("revoke_api_key", next);
            }
            plan.delete_bot("delete_bot", bot);
            Ok(())
        })
        .await
    }

    /// Grants a member access to a bot, with the whole of their role on it
    /// (taking away any level the grant carried). Not to a member whose role
    /// exceeds the actor's: the grant is part of the member's record.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`], [`DirectoryError::UnknownMember`],
    /// [`DirectoryError::TargetExceedsActor`]; [`DirectoryError::UnknownBot`]
    /// for a bot not registered; [`DirectoryError::LevelBeyondActor`] when
    /// the actor's own grant of the bot carries a level the member's role
    /// exceeds on it.
    pub async fn grant_bot(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        bot: BotId,
    ) -> Result<(), DirectoryError> {
        self.bot_grant(org, actor, member, bot, Some(None)).await
    }

    /// Revokes a member's access to a bot (registered or not: a grant made
    /// before bots were registered can be revoked too).
    ///
    /// # Errors
    ///
    /// As [`Directory::grant_bot`].
    pub async fn revoke_bot(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        bot: BotId,
    ) -> Result<(), DirectoryError> {
        self.bot_grant(org, actor, member, bot, None).await
    }

    /// Grants a member access to a bot at a permission level (seed 002
    /// "Add the user to the bot and confirm their permissions"): on that bot
    /// the member does only what both their role and the level allow, and
    /// the level must be within their role. Granting again sets the level
    /// anew; [`Directory::grant_bot`] grants without a level.
    ///
    /// # Errors
    ///
    /// As [`Directory::grant_bot`]; [`DirectoryError::LevelBeyondRole`] for
    /// a level the member's role lacks; [`DirectoryError::LevelBeyondActor`]
    /// when the actor's own grant of the bot carries a level the new grant
    /// would exceed; [`DirectoryError::InvalidInput`] for
    /// an empty level or one naming permissions that act on no bot.
    pub async fn grant_bot_level(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        bot: BotId,
        level: Permissions,
    ) -> Result<(), DirectoryError> {
        if level.is_empty() || !BOT_PERMISSIONS.contains(level) {
            return Err(DirectoryError::InvalidInput {
                field: "level",
                problem: if level.is_empty() {
                    "it is empty"
                } else {
                    "it names permissions that act on no bot"
                },
            });
        }
        self.bot_grant(org, actor, member, bot, Some(Some(level)))
            .await
    }

    /// `grant`: `Some(level)` grants (with the level, or none), `None`
    /// revokes.
    async fn bot_grant(
        &self,
        org: OrgId,
        actor: MemberId,
        member: MemberId,
        bot: BotId,
        grant: Option<Option<Permissions>>,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::GrantBotAccess, &Resource::Bot { org, bot })?;
            if grant.is_some() {
                registered(state, bot)?;
            }
            let target = member_in(state, member)?;
            // A bot grant is part of the member's record: nobody edits a
            // member whose role exceeds their own.
            outranks(&me, target, role_in(state, target.role.as_str())?)?;
            let mut next = Member::clone(target);
            next.bot_levels.retain(|(b, _)| *b != bot);
            match grant {
                Some(level) => {
                    let role = role_in(state, target.role.as_str())?.permissions();
                    if let Some(level) = level {
                        let missing = level.difference(role);
                        if !missing.is_empty() {
                            return Err(DirectoryError::LevelBeyondRole { member, missing });
                        }
                    }
                    // An actor whose own grant of the bot carries a level
                    // grants no more on it than that level.
                    if let Some(own) = me.bot_level(bot) {
                        let given = role
                            .intersection(level.unwrap_or(BOT_PERMISSIONS))
                            .intersection(BOT_PERMISSIONS);
                        let missing = given.difference(own);
                        if !missing.is_empty() {
                            return Err(DirectoryError::LevelBeyondActor { missing });
                        }
                    }
                    if let Some(level) = level {
                        let at = next.bot_levels.partition_point(|(b, _)| *b < bot);
                        next.bot_levels.insert(at, (bot, level));
                    }
                    if let Err(at) = next.bots.binary_search(&bot) {
                        next.bots.insert(at, bot);
                    }
                }
                None => next.bots.retain(|b| *b != bot),
            }
            if next != *target {
                plan.put_member(
                    if grant.is_some() {
                        "grant_bot"
                    } else {
                        "revoke_bot"
                    },
                    next,
                );
            }
            Ok(())
        })
        .await
    }

    /// Generates an API key for a bot (seed 002 "Generate API Key: Admins
    /// can generate API keys for bots to be used with other services"). The
    /// secret is returned once; only its hash is stored.
    ///
    /// The key carries `permissions`, which must be among
    /// [`KEY_PERMISSIONS`] and within what the actor may do to the bot:
    /// their role, cut down by their own grant's level of the bot if it
    /// carries one.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without API key generation (or outside the
    /// actor's bot reach); [`DirectoryError::UnknownBot`];
    /// [`DirectoryError::NotKeyPermissions`] for a permission no key
    /// carries; [`DirectoryError::KeyBeyondActor`] for one the actor may
    /// not use on the bot; [`DirectoryError::InvalidInput`] for no permissions at all.
    pub async fn generate_api_key(
        &self,
        org: OrgId,
        actor: MemberId,
        bot: BotId,
        permissions: Permissions,
    ) -> Result<IssuedApiKey, DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            require(&me, Action::GenerateApiKey, &Resource::Bot { org, bot })?;
            registered(state, bot)?;
            let foreign = permissions.difference(KEY_PERMISSIONS);
            if !foreign.is_empty() {
                return Err(DirectoryError::NotKeyPermissions(foreign));
            }
            if permissions.is_empty() {
                return Err(DirectoryError::InvalidInput {
                    field: "permissions",
                    problem: "it is empty",
                });
            }
            // Within what the actor may do to this bot: their role, cut down
            // by their grant's level of it if it carries one.
            let missing = permissions.difference(on_bot(&me, bot));
            if !missing.is_empty() {
                return Err(DirectoryError::KeyBeyondActor { missing });
            }
            let id = ApiKeyId(plan.new_id(4));
            let secret = secret::generate_key(org, id).map_err(DirectoryError::NoRandomness)?;
            plan.put_api_key(
                "generate_api_key",
                ApiKey {
                    id,
                    bot,
                    permissions,
                    secret_hash: secret::hash(&secret),
                    created_by: actor,
                    created_at: plan.now,
                    revoked: false,
                },
            );
            Ok(IssuedApiKey {
                id,
                bot,
                permissions,
                secret,
            })
        })
        .await
    }

    /// The API keys of a bot, revoked ones included, without their hashes.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without API key generation for the bot;
    /// [`DirectoryError::UnknownBot`].
    pub async fn api_keys(
        &self,
        org: OrgId,
        actor: MemberId,
        bot: BotId,
    ) -> Result<Vec<ApiKeyInfo>, DirectoryError> {
        self.read(org, |state, _| {
            let me = acting(state, actor)?;
            require(&me, Action::GenerateApiKey, &Resource::Bot { org, bot })?;
            registered(state, bot)?;
            Ok(state.bot_keys(bot).map(|k| ApiKeyInfo::of(k)).collect())
        })
        .await
    }

    /// Revokes an API key: from the commit on it resolves to nothing. A key
    /// revoked already stays so and nothing is written.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Denied`] without API key generation for the key's
    /// bot; [`DirectoryError::UnknownApiKey`] (also for a key of another
    /// organization).
    pub async fn revoke_api_key(
        &self,
        org: OrgId,
        actor: MemberId,
        key: ApiKeyId,
    ) -> Result<(), DirectoryError> {
        self.run(org, Some(actor), |state, plan| {
            let me = acting(state, actor)?;
            let k = state
                .api_keys
                .get(&key)
                .ok_or(DirectoryError::UnknownApiKey(key))?;
            require(
                &me,
                Action::GenerateApiKey,
                &Resource::Bot { org, bot: k.bot },
            )?;
            if !k.revoked {
                let mut next = ApiKey::clone(k);
                next.revoked = true;
                plan.put_api_key("revoke_api_key", next);
            }
            Ok(())
        })
        .await
    }

    /// The actor a presented API key secret stands for, ready for
    /// [`crate::can`]: one call, one organization read (none when the
    /// organization is cached and current).
    ///
    /// `None` for anything but a live key: a malformed secret, one of an
    /// unknown organization or key, a wrong secret, a revoked key, a bot no
    /// longer registered, or a creator who may no longer generate keys for
    /// the bot (removed, disabled, or whose role lost it). The permissions
    /// are the key's, cut down to what the creator's role has now.
    ///
    /// # Errors
    ///
    /// [`DirectoryError::Store`] when the store fails.
    pub async fn resolve_api_key(
        &self,
        secret: &str,
    ) -> Result<Option<ApiKeyActor>, DirectoryError> {
        let Some((org, id)) = secret::key_ids(secret) else {
            return Ok(None);
        };
        let Some(state) = self.current(org).await? else {
            return Ok(None);
        };
        Ok(live_key(&state, id, &secret::hash(secret)))
    }
}

/// A key's actor when the key is live (see [`Directory::resolve_api_key`]).
fn live_key(state: &OrgState, id: ApiKeyId, hash: &[u8; 32]) -> Option<ApiKeyActor> {
    let k = state.api_keys.get(&id)?;
    if !secret::equal(&k.secret_hash, hash) || k.revoked || !state.bots.contains_key(&k.bot) {
        return None;
    }
    let creator: MemberActor = state.actor(k.created_by)?;
    let bot = Resource::Bot {
        org: state.org.id,
        bot: k.bot,
    };
    can(
        &Actor::Member(creator.clone()),
        Action::GenerateApiKey,
        &bot,
    )
    .into_result()
    .ok()?;
    let permissions = k.permissions.intersection(on_bot(&creator, k.bot));
    (!permissions.is_empty()).then_some(ApiKeyActor {
        org: state.org.id,
        id,
        bot: k.bot,
        permissions,
    })
}

/// What a member may do to a bot: their role's permissions, cut down by
/// their grant's level of the bot if it carries one.
fn on_bot(m: &MemberActor, bot: BotId) -> Permissions {
    let role = m.role().permissions();
    m.bot_level(bot)
        .map_or(role, |level| role.intersection(level))
}

fn registered(state: &OrgState, bot: BotId) -> Result<&Bot, DirectoryError> {
    state
        .bots
        .get(&bot)
        .map(|b| &**b)
        .ok_or(DirectoryError::UnknownBot(bot))
}

fn new_bot(plan: &mut Plan<'_>, name: &str) -> BotId {
    let id = BotId(plan.new_id(5));
    plan.put_bot(
        "create_bot",
        Bot {
            id,
            name: name.to_owned(),
            published: false,
        },
    );
    id
}
