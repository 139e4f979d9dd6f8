import type { IncomingMessage, ServerResponse } from 'node:http';
import { Body, Controller, Get, Param, Post, Req, Res } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { BodyLimit } from '@bastion/validation';
import { CsrfFormDto, LoginFormDto } from './dto/interaction-forms.dto';
import { type InteractionReply, InteractionService, type RawExchange } from './interaction.service';

type AnyRequest = { raw?: IncomingMessage; ip?: string } & Partial<IncomingMessage>;
type AnyResponse = { raw?: ServerResponse } & Partial<ServerResponse>;

/** Fastify wraps the Node request and response; Express extends them. */
function exchange(req: AnyRequest, res: AnyResponse): RawExchange {
  return { req: (req.raw ?? req) as IncomingMessage, res: (res.raw ?? res) as ServerResponse, ip: req.ip ?? '' };
}

/**
 * The server-rendered sign-in and consent pages of oidc-provider's
 * interactions (`/interaction/:uid`, the path its interaction cookie is
 * scoped to). Pages get a strict CSP of their own; forms are small and
 * url-encoded.
 */
@Controller('interaction')
export class InteractionController {
  constructor(
    private readonly interactions: InteractionService,
    private readonly host: HttpAdapterHost,
  ) {}

  @Get(':uid')
  async show(@Param('uid') uid: string, @Req() req: AnyRequest, @Res() res: AnyResponse): Promise<void> {
    this.send(res, await this.interactions.show(uid, exchange(req, res)));
  }

  @BodyLimit(4 * 1024)
  @Post(':uid/login')
  async login(@Param('uid') uid: string, @Body() form: LoginFormDto, @Req() req: AnyRequest, @Res() res: AnyResponse): Promise<void> {
    this.send(res, await this.interactions.login(uid, form, exchange(req, res)));
  }

  @BodyLimit(1024)
  @Post(':uid/confirm')
  async confirm(@Param('uid') uid: string, @Body() form: CsrfFormDto, @Req() req: AnyRequest, @Res() res: AnyResponse): Promise<void> {
    this.send(res, await this.interactions.confirm(uid, form, exchange(req, res)));
  }

  @BodyLimit(1024)
  @Post(':uid/abort')
  async abort(@Param('uid') uid: string, @Body() form: CsrfFormDto, @Req() req: AnyRequest, @Res() res: AnyResponse): Promise<void> {
    this.send(res, await this.interactions.abort(uid, form, exchange(req, res)));
  }

  private send(res: AnyResponse, reply: InteractionReply): void {
    const http = this.host.httpAdapter;
    if (reply.kind === 'redirect') {
      // 303: the browser follows with a GET, never re-posting the password.
      http.redirect(res, 303, reply.location);
      return;
    }
    http.setHeader(res, 'content-type', 'text/html; charset=utf-8');
    http.setHeader(res, 'content-security-policy', reply.csp);
    for (const [name, value] of Object.entries(reply.headers ?? {})) http.setHeader(res, name, value);
    http.reply(res, reply.html, reply.status);
  }
}
