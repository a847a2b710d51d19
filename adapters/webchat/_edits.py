"""The web chat's Edit button: the form of a pending change, and its submission.

POST /webchat/api/edit/form  {conversation, plan_id} → 200 {form} | 403 {error}
POST /webchat/api/edit       {conversation, message_id, plan_id, values} → 200 | 422 {error}

A refusal (not yours, no longer pending, a value Autotask would not take) comes back as the
answer so that the page shows it in the form; a new preview arrives on the event stream like
any other message, and the old card is updated to say it was replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from bot.edits import EditSubmission
from bot.messages import MessageRef

if TYPE_CHECKING:
    from ._part import Handler, WebChatPart

__all__ = ["EditRoutes"]


class FormRequest(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    conversation: str = Field(min_length=1, max_length=64)
    plan_id: str = Field(min_length=1, max_length=64)


class EditRequest(FormRequest):
    message_id: str = Field(min_length=1, max_length=64)
    values: dict[str, str | None] = Field(max_length=50)


class EditRoutes:
    def __init__(self, part: WebChatPart) -> None:
        self.part = part

    def routes(self) -> list[tuple[str, str, Handler]]:
        return [
            ("POST", "/webchat/api/edit/form", self.form),
            ("POST", "/webchat/api/edit", self.submit),
        ]

    async def form(self, request: web.Request) -> web.StreamResponse:
        part = self.part
        session = part._session_of(request)
        body = await part._body(request, FormRequest)
        conversation = part._conversation(session, body.conversation)
        form = await part.runtime.engine.edits.form(
            body.plan_id, conversation, session.user_id, session.email
        )
        if isinstance(form, str):
            return web.json_response({"error": form}, status=403)
        return web.json_response({"form": form.model_dump(mode="json")})

    async def submit(self, request: web.Request) -> web.StreamResponse:
        part = self.part
        session = part._session_of(request)
        body = await part._body(request, EditRequest)
        conversation = part._conversation(session, body.conversation)
        values = {k: (v[:20_000] if v else v) for k, v in body.values.items()}
        submission = EditSubmission(
            conversation=conversation,
            user_id=session.user_id,
            email=session.email,
            plan_id=body.plan_id,
            values=values,
            message=MessageRef(conversation=conversation, message_id=body.message_id),
        )
        answer = await part.runtime.engine.edits.submit(submission, part.surface)
        if answer is not None:
            return web.json_response({"error": answer}, status=422)
        return web.json_response({"ok": True})
