// Query.project, Query.projects and the list fields of Project (attachments, collaborators, chats).
import 'reflect-metadata';
import { Args, Ctx, Extensions, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { GraphqlContext } from './context.js';
import { checkPage } from './connection.type.js';
import { ChatsArgs } from './chat.args.js';
import { listChats } from './chat.service.js';
import { ChatConnection } from './chat.type.js';
import { AttachmentsArgs, CollaboratorsArgs, ProjectArgs, ProjectsArgs } from './project.args.js';
import { getProject, listProjects, projectAttachments, projectCollaborators } from './project.service.js';
import { Project, ProjectAttachment, ProjectCollaborator, ProjectConnection } from './project.type.js';

@Resolver(() => Project)
export class ProjectResolver {
  @Query(() => Project, { nullable: true })
  project(@Args(() => ProjectArgs) args: ProjectArgs, @Ctx() ctx: GraphqlContext): Promise<Project | null> {
    return getProject(ctx.db, args.id);
  }

  @Query(() => ProjectConnection, { description: 'Projects matching the filter, newest first.' })
  projects(@Args(() => ProjectsArgs) args: ProjectsArgs, @Ctx() ctx: GraphqlContext): Promise<ProjectConnection> {
    return listProjects(ctx.db, args.filter, checkPage(args));
  }

  @Extensions({ listSize: 100 })
  @FieldResolver(() => [ProjectAttachment], { description: "The project's attachments, oldest first." })
  attachments(@Root() project: Project, @Args(() => AttachmentsArgs) args: AttachmentsArgs, @Ctx() ctx: GraphqlContext): Promise<ProjectAttachment[]> {
    return projectAttachments(ctx.db, project.id, args.currentOnly !== false, args.first);
  }

  @Extensions({ listSize: 100 })
  @FieldResolver(() => [ProjectCollaborator], { description: 'Who holds which role on the project (users, groups, the organization, organization roles), earliest grant first.' })
  collaborators(@Root() project: Project, @Args(() => CollaboratorsArgs) args: CollaboratorsArgs, @Ctx() ctx: GraphqlContext): Promise<ProjectCollaborator[]> {
    return projectCollaborators(ctx.db, project.id, args.currentOnly !== false, args.first);
  }

  @FieldResolver(() => ChatConnection, { description: 'The chats in the project, newest first.' })
  chats(@Root() project: Project, @Args(() => ChatsArgs) args: ChatsArgs, @Ctx() ctx: GraphqlContext): Promise<ChatConnection> {
    return listChats(ctx.db, args.filter, checkPage(args), { projectId: project.id });
  }
}
