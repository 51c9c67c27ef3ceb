"""The root Query, Mutation and Subscription types, composed per domain, and the schema."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator

import strawberry
from graphql.validation import ASTValidationRule, NoSchemaIntrospectionCustomRule
from strawberry.extensions import (
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.tools import merge_types

from imchat.config import Settings
from imchat.schema.accounts import AccountMutation, AccountQuery
from imchat.schema.embed import EmbedMutation
from imchat.schema.errors import ErrorCodes
from imchat.schema.execution import PerEventExecutor
from imchat.schema.friends import FriendMutation, FriendQuery, FriendSubscription
from imchat.schema.groups import GroupMutation, GroupQuery
from imchat.schema.messaging import MessagingMutation, MessagingQuery, MessagingSubscription

Query = merge_types("Query", (AccountQuery, FriendQuery, MessagingQuery, GroupQuery))
Mutation = merge_types(
    "Mutation",
    (AccountMutation, FriendMutation, MessagingMutation, GroupMutation, EmbedMutation),
)
Subscription = merge_types("Subscription", (FriendSubscription, MessagingSubscription))


class OperationLimits(SchemaExtension):
    """The token limit and the extra validation rules, set just before parsing and validating.

    Strawberry's MaxTokensLimiter and AddValidationRules set them in operation hooks, and
    an operation hook stays suspended for as long as a subscription lives: on a node
    holding thousands of sockets that is memory per socket. Parse and validate hooks end
    with their step. This extension must come before ParserCache and ValidationCache,
    whose hooks read what these set.
    """

    def __init__(self, max_tokens: int, rules: tuple[type[ASTValidationRule], ...]) -> None:
        self.max_tokens = max_tokens
        self.rules = rules

    def on_parse(self) -> Iterator[None]:
        self.execution_context.parse_options["max_tokens"] = self.max_tokens
        yield

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.validation_rules = _joined(context.validation_rules, self.rules)
        yield


@functools.lru_cache(maxsize=16)
def _joined(
    base: tuple[type[ASTValidationRule], ...], extra: tuple[type[ASTValidationRule], ...]
) -> tuple[type[ASTValidationRule], ...]:
    # One shared tuple, where a new one per operation would live as long as each
    # subscription does.
    return base + extra


def build_schema(settings: Settings | None = None) -> strawberry.Schema:
    settings = settings or Settings()
    # Each limiter instance builds a new rule class; ValidationCache keys on the rule
    # classes, so building them once per operation made every validation a cache miss.
    # Build them once here and hand the same classes to every operation.
    rules = [
        *QueryDepthLimiter(max_depth=settings.max_query_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.max_query_aliases).validation_rules,
    ]
    if not settings.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    extensions: list[Callable[[], SchemaExtension]] = [
        ErrorCodes,
        lambda: OperationLimits(settings.max_query_tokens, tuple(rules)),
        # Validation and parsing were most of the server time per operation (STACK.md).
        lambda: ParserCache(maxsize=1024),
        lambda: ValidationCache(maxsize=1024),
    ]
    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        execution_context_class=PerEventExecutor,
    )
