import { Body, Controller, Get, HttpCode, HttpStatus, Inject, Post, Req, Res } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCookieAuth, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { APP_CONFIG } from '../config/config.module';
import type { AppConfig } from '../config/config.schema';
import { toUserDto, UserDto } from '../users/user.dto';
import type { SessionUser } from '../users/users.repository';
import { ApiErrors } from '../errors/api-errors';
import { AuthService, type Session } from './auth.service';
import { Client, type ClientContext } from './client-context';
import { CompletePasswordResetDto, EmailOnlyDto, LoginDto, MessageDto, RegisterDto, SessionDto, VerifyEmailDto } from './dto/auth.dto';
import { Authenticated, CurrentUser, CurrentUserRecord, type AuthenticatedUser } from './guards';
import { clearRefreshCookie, readRefreshCookie, setRefreshCookie } from './refresh-cookie';

const SET_COOKIE = {
  'Set-Cookie': { description: 'The refresh token: httpOnly cookie (REFRESH_COOKIE_* settings), Secure over HTTPS', schema: { type: 'string' } },
};
const CHECK_EMAIL = 'If the address can receive email, a message is on its way';

/** HTTP only: bodies in, cookies and bodies out; every rule is in AuthService. */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private respond(request: FastifyRequest, reply: FastifyReply, session: Session): SessionDto {
    setRefreshCookie(this.config, request, reply, session.refreshToken, session.refreshExpiresAt);
    return { accessToken: session.accessToken, tokenType: 'Bearer', expiresIn: session.expiresIn, user: session.user };
  }

  @Post('register')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({
    summary: 'Create an account and email a 6-digit verification code',
    description:
      'Answers the same, after the same work, for new and existing addresses (no enumeration); an existing owner is told by email instead. ' +
      'The code carries this password and name: verifying it sets them on the account and ends every earlier session.',
  })
  @ApiAcceptedResponse({ type: MessageDto })
  @ApiErrors(400, 429)
  async register(@Body() body: RegisterDto, @Client() client: ClientContext): Promise<MessageDto> {
    await this.auth.register(body, client);
    return { message: CHECK_EMAIL };
  }

  @Post('verify-email')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Verify the address with the emailed code; logs the user in',
    description: 'Sets the password and name of the registration the code was sent for, and ends every earlier session. Fails for a wrong, expired, used or missing code, and always for an already verified account.',
  })
  @ApiOkResponse({ type: SessionDto, headers: SET_COOKIE })
  @ApiErrors(400, 429)
  async verifyEmail(@Body() body: VerifyEmailDto, @Client() client: ClientContext, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    return this.respond(request, reply, await this.auth.verifyEmail(body, client));
  }

  @Post('resend-verification')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Email a new verification code (the previous one stops working)' })
  @ApiAcceptedResponse({ type: MessageDto })
  @ApiErrors(400, 429)
  async resendVerification(@Body() body: EmailOnlyDto, @Client() client: ClientContext): Promise<MessageDto> {
    await this.auth.resendVerification(body, client);
    return { message: CHECK_EMAIL };
  }

  @Post('login')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Log in: access token in the body, refresh token in an httpOnly cookie',
    description: 'Failures are counted per address and client IP: after LOGIN_MAX_FAILURES that IP waits (429 LOGIN_LOCKED with Retry-After, doubling per failure); other IPs are not affected.',
  })
  @ApiOkResponse({ type: SessionDto, headers: SET_COOKIE })
  @ApiErrors(400, 401, 403, 429)
  async login(@Body() body: LoginDto, @Client() client: ClientContext, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    return this.respond(request, reply, await this.auth.login(body, client));
  }

  @Post('refresh')
  @HttpCode(HttpStatus.OK)
  @ApiCookieAuth('refresh-cookie')
  @ApiOperation({
    summary: 'Rotate the refresh cookie and get a new access token',
    description:
      'Send the refresh cookie (REFRESH_COOKIE_NAME, default kv_refresh; no body). A token rotated within the last REFRESH_REUSE_GRACE_SECONDS (another tab refreshing at the same time) gets a new session of the same family; ' +
      'an older rotated token ends that whole session family. Failures clear the cookie.',
  })
  @ApiOkResponse({ type: SessionDto, headers: SET_COOKIE })
  @ApiErrors(401)
  async refresh(@Client() client: ClientContext, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<SessionDto> {
    try {
      return this.respond(request, reply, await this.auth.refresh(readRefreshCookie(this.config, request), client));
    } catch (error) {
      clearRefreshCookie(this.config, request, reply);
      throw error;
    }
  }

  @Post('logout')
  @HttpCode(HttpStatus.NO_CONTENT)
  @ApiCookieAuth('refresh-cookie')
  // The cookie is optional: without one (or with a dead one) there is nothing to end, and the
  // answer is the same 204 (documented as the empty security requirement).
  @ApiSecurity({})
  @ApiOperation({ summary: 'End this session (the refresh cookie’s family) and clear the cookie', description: 'Reads the refresh cookie; no access token needed.' })
  @ApiNoContentResponse({ description: 'Logged out (also when there was no session)' })
  async logout(@Client() client: ClientContext, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logout(readRefreshCookie(this.config, request), client);
    clearRefreshCookie(this.config, request, reply);
  }

  @Post('logout-all')
  @HttpCode(HttpStatus.NO_CONTENT)
  @Authenticated()
  @ApiOperation({ summary: 'Log out everywhere: revoke every refresh token of the user; access tokens issued before are refused at once' })
  @ApiNoContentResponse({ description: 'Every session ended' })
  async logoutAll(@CurrentUser() user: AuthenticatedUser, @Client() client: ClientContext, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.auth.logoutEverywhere(user.id, client);
    clearRefreshCookie(this.config, request, reply);
  }

  @Get('me')
  @Authenticated()
  @ApiOperation({ summary: 'The logged-in user' })
  @ApiOkResponse({ type: UserDto })
  me(@CurrentUserRecord() user: SessionUser): UserDto {
    return toUserDto(user);
  }

  @Post('password-reset/request')
  @HttpCode(HttpStatus.ACCEPTED)
  @ApiOperation({ summary: 'Email a one-time password reset link', description: 'Answers the same whether or not the address has an account.' })
  @ApiAcceptedResponse({ type: MessageDto })
  @ApiErrors(400, 429)
  async requestPasswordReset(@Body() body: EmailOnlyDto, @Client() client: ClientContext): Promise<MessageDto> {
    await this.auth.requestPasswordReset(body, client);
    return { message: CHECK_EMAIL };
  }

  @Post('password-reset/complete')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Set a new password with the token from the link; ends every session and access token of the user' })
  @ApiOkResponse({ type: MessageDto })
  @ApiErrors(400, 429)
  async completePasswordReset(@Body() body: CompletePasswordResetDto, @Client() client: ClientContext): Promise<MessageDto> {
    await this.auth.completePasswordReset(body, client);
    return { message: 'Password changed; log in with the new password' };
  }
}
