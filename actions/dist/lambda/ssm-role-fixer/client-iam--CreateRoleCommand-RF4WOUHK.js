import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as r,b as m,c as t}from"./chunk-U56OMF6Y.js";import{g as o}from"./chunk-UY3AAVSQ.js";import"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var e=class extends r(m,t,"CreateRole",o){};export{e as CreateRoleCommand};
