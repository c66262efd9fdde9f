/**
 * `Place`: a named location a post can be tagged with (`place.fields`), and the GeoJSON shapes it and a post's
 * `geo.coordinates` use.
 */
import { xKind } from '../planner/needs.js';
import type { Place } from '../x/wire.js';
import { builder } from './builder.js';
import { fromX, xField } from './x-fields.js';
import { xEnum } from './enums.js';
import { PlaceRef } from './refs.js';

type PlaceGeo = NonNullable<Place['geo']>;
type Point = NonNullable<PlaceGeo['geometry']>;

export const PLACE_TYPES = ['poi', 'neighborhood', 'city', 'admin', 'country', 'unknown'] as const;

export const PlaceTypeEnum = xEnum('PlaceType', PLACE_TYPES, 'What kind of place a place is.');

/** Shared by `Place.geo.geometry` and `Tweet.geo.coordinates`. */
export const GeoPointRef = builder.objectRef<Point>('GeoPoint').implement({
  description: 'A GeoJSON Point (RFC 7946 section 3.1.2).',
  fields: (t) => ({
    type: t.exposeString('type', { nullable: false, description: 'The GeoJSON type, always `Point`.' }),
    coordinates: t.exposeFloatList('coordinates', {
      nullable: false,
      description: 'The position as `[longitude, latitude]`.',
    }),
  }),
});

const PlaceGeoRef = builder.objectRef<PlaceGeo>('PlaceGeo').implement({
  description:
    "The area of a place as a GeoJSON Feature. X's free-form `properties` member (usually empty) is not exposed.",
  fields: (t) => ({
    type: t.exposeString('type', { nullable: false, description: 'The GeoJSON type, always `Feature`.' }),
    bbox: t.exposeFloatList('bbox', {
      nullable: false,
      description: 'The bounding box as `[west longitude, south latitude, east longitude, north latitude]`.',
    }),
    geometry: t.expose('geometry', { type: GeoPointRef }),
  }),
});

PlaceRef.implement({
  description: 'A named location (a city, a point of interest...) that a post is tagged with.',
  ...xKind('place'),
  fields: (t) => ({
    restId: t.string({ nullable: false, description: "X's id of the place.", resolve: fromX('id') }),
    fullName: t.string({
      nullable: false,
      description: 'The full name, e.g. `Lakewood, CO`.',
      ...xField('full_name'),
    }),
    name: t.string({ description: 'The short name, e.g. `Lakewood`.', ...xField('name') }),
    placeType: t.field({ type: PlaceTypeEnum, ...xField('place_type') }),
    country: t.string({ description: "The country's full name.", ...xField('country') }),
    countryCode: t.string({
      description: 'The ISO 3166-1 alpha-2 code of the country.',
      ...xField('country_code'),
    }),
    containedWithin: t.stringList({
      description: 'Ids of the places this place lies within.',
      ...xField('contained_within'),
    }),
    geo: t.field({ type: PlaceGeoRef, ...xField('geo') }),
  }),
});
