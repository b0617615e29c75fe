import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as r,b as m,c as t}from"./chunk-U56OMF6Y.js";import{d as e}from"./chunk-UY3AAVSQ.js";import"./chunk-5474FCTX.js";import"./chunk-ATGGAIYH.js";import"./chunk-ODJJHHNC.js";var o=class extends r(m,t,"AddRoleToInstanceProfile",e){};export{o as AddRoleToInstanceProfileCommand};
