import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);
import{a as r,b as s,c as t}from"./chunk-S2JRWG2K.js";import{e as o}from"./chunk-SGIEBK7T.js";import"./chunk-DWO5JKHP.js";import"./chunk-EUYPWAM6.js";import"./chunk-RMIBCZSM.js";import"./chunk-LVKEIE3P.js";var m=class extends r(s,t,"ListCommands",o){};export{m as ListCommandsCommand};
