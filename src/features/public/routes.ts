import type { FastifyInstance } from 'fastify';

/** The council's services on the portal home. SEND comes first in the product but the seed lists it last. */
export const SERVICES = [
  { slug: 'two-year-old-funding', href: '/services/two-year-old-funding' },
  { slug: 'thirty-hours-free-childcare', href: '/services/thirty-hours-free-childcare' },
  { slug: 'school-place', href: '/services/school-place' },
  { slug: 'free-school-meals', href: '/services/free-school-meals' },
  { slug: 'send', href: '/send' },
] as const;

const INFO_PAGES = ['accessibility', 'cookies', 'privacy', 'contact'] as const;

export default async function publicRoutes(app: FastifyInstance) {
  app.get('/', async (request, reply) => {
    return reply.render('public/views/home', () => ({
      title: request.t('pages:home.title'),
      services: SERVICES.map((s) => ({
        href: s.href,
        name: request.t(`pages:services.${s.slug}.name`),
        summary: request.t(`pages:services.${s.slug}.summary`),
      })),
    }), 'path');
  });

  app.get<{ Params: { slug: string } }>('/services/:slug', async (request, reply) => {
    const service = SERVICES.find((s) => s.slug === request.params.slug && s.slug !== 'send');
    if (!service) return reply.errorPage(404, 'notFound');
    const key = `pages:services.${service.slug}`;
    return reply.render(
      'public/views/service',
      () => ({ title: request.t(`${key}.name`), paragraphs: request.t(`${key}.about`, { returnObjects: true }), backLink: '/' }),
      'path',
    );
  });

  for (const page of INFO_PAGES) {
    app.get(`/${page}`, async (request, reply) => {
      return reply.render('public/views/info', () => ({
        title: request.t(`pages:${page}.title`),
        sections: request.t(`pages:${page}.sections`, {
          returnObjects: true,
          council: app.config.councilName,
          phone: app.config.senTeamPhone,
          email: app.config.senTeamEmail,
        }),
        showContactDetails: page === 'contact',
      }), 'path');
    });
  }
}
