import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { toPage } from '@sluice/platform';
import { ApiErrorResponses, ApiPageResponse } from '@sluice/platform/openapi';
import type { FastifyRequest } from 'fastify';
import { CurrentPrincipal } from '../auth/current-principal.decorator';
import type { Principal } from '../auth/principal';
import { PlatformAdminOnly } from '../auth/authorization.guard';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto } from './dto/user.dto';
import { UsersService } from './users.service';
import { UserResponseDto } from './dto/user-response.dto';

@ApiTags('users')
@PlatformAdminOnly()
@ApiErrorResponses(400, 403, 404, 409, 429)
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @ApiPageResponse(UserResponseDto)
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListUsersQueryDto, @Req() request: FastifyRequest) {
    const { count, results } = await this.users.list(principal, query);
    return toPage(request, query, count, results);
  }

  @Post()
  @ApiCreatedResponse({ type: UserResponseDto })
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateUserDto) {
    return this.users.create(principal, dto);
  }

  @Get(':id')
  @ApiOkResponse({ type: UserResponseDto })
  get(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.users.get(principal, id);
  }

  @Patch(':id')
  @ApiOkResponse({ type: UserResponseDto })
  patch(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(principal, id, dto);
  }

  @Put(':id')
  @ApiOkResponse({ type: UserResponseDto })
  put(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() dto: UpdateUserDto) {
    return this.users.update(principal, id, dto);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Deactivated' })
  remove(@CurrentPrincipal() principal: Principal, @Param('id') id: string) {
    return this.users.deactivate(principal, id);
  }
}
