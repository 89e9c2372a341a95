"""The studio's error pages: a refusal, an HTTP error and an unexpected failure, each a Vietnamese
page without a traceback."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from outreach.studio.security import Refused
from outreach.studio.state import Studio

log = logging.getLogger("outreach.studio")


async def refused(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    assert isinstance(exc, Refused)
    return HTMLResponse(studio.refusal(exc.status, exc.message), status_code=exc.status)


async def http_error(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    assert isinstance(exc, HTTPException)
    message = {404: "không có trang này", 405: "trang này không nhận kiểu yêu cầu đó"}.get(exc.status_code,
                                                                                         "yêu cầu không hợp lệ")
    return HTMLResponse(studio.refusal(exc.status_code, message), status_code=exc.status_code)


async def unexpected(request: Request, exc: Exception) -> Response:
    studio: Studio = request.app.state.studio
    log.exception("studio: lỗi không mong đợi ở %s", request.url.path)
    return HTMLResponse(studio.refusal(500, "có lỗi không mong đợi; chưa có gì bị mất. Hãy tải lại trang; nếu lỗi "
                                            "còn, xem chi tiết ở cửa sổ dòng lệnh đang chạy 'outreach serve'."),
                        status_code=500)
